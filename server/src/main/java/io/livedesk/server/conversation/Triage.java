package io.livedesk.server.conversation;

import java.util.Optional;
import java.util.Set;

/**
 * The first step of every question: what it is about, how urgent, and whether the bot answers
 * it. One small seam so the conversation flow can be tested around it.
 */
public interface Triage {

  /**
   * @param tier      the tier's name; {@code rank} orders tiers (0 most urgent); {@code budgetMs} its deadline
   * @param botAnswer the bot's answer, when it has one and the customer did not ask for a person
   * @param handoff   the conversation must go to a human
   */
  record Verdict(String intent, String tier, int rank, long budgetMs, String skill, Optional<String> botAnswer,
                 boolean handoff, String reason) {
  }

  /** A question: the opening one ({@code unansweredSoFar} 0) or a later one while the bot still holds the conversation. */
  Verdict assess(String text, Set<String> customerTags, boolean cartHesitating, int unansweredSoFar);

  /** The tier a waiting conversation moves to after a follow-up message (never lower). */
  Verdict raise(Verdict current, String followUpText, Set<String> customerTags);
}
