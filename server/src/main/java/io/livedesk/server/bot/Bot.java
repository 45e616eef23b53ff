package io.livedesk.server.bot;

import io.livedesk.server.metrics.Metrics;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The first answer to a customer: from the knowledge base, at once, in the customer's language.
 * It steps aside (handoff) when the customer asks for a person, when the intent has no answer,
 * or when a question comes after one it already failed to settle. It holds no state: the caller
 * counts the unanswered questions of its conversation.
 */
public final class Bot {

  /** Reasons, also the {@code reason} label of the handoff counter. */
  public static final String ANSWERED = "answered";
  public static final String ASKED_FOR_PERSON = "asked_for_person";
  public static final String NO_ANSWER = "no_answer";
  public static final String UNANSWERED_AGAIN = "unanswered_again";

  /** "人工" but not artificial leather or intelligence; the English words whole ("agent", not "agency"). */
  private static final Pattern PERSON = Pattern.compile(
      "人工(?!皮|革|智能|合成)|真人|活人|客服人员|找客服|转客服"
          + "|(?<![a-z])(human|agent|real person|live person|representative|operator|someone real|staff)s?(?![a-z])"
          + "|(?<![a-z])(talk|speak|chat) (to|with) (a |an |some)?(one|body|person|people|human|agent|staff)",
      Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

  private static final Pattern LABEL_UNSAFE = Pattern.compile("[^A-Za-z0-9_-]");

  /**
   * What the bot does with a message: answer it (answer present, handoff false) or hand the
   * conversation to the queue (no answer, handoff true); {@code reason} is one of the constants above.
   */
  public record BotReply(Optional<String> answer, boolean handoff, String reason) {

    static BotReply answered(String answer) {
      return new BotReply(Optional.of(answer), false, ANSWERED);
    }

    static BotReply handoff(String reason) {
      return new BotReply(Optional.empty(), true, reason);
    }
  }

  private final KnowledgeBase knowledge;
  private final Metrics.Counter resolutions;
  private final Metrics.Counter handoffs;

  public Bot(KnowledgeBase knowledge, Metrics metrics) {
    this.knowledge = knowledge;
    this.resolutions = metrics.counter("livedesk_bot_resolutions_total", "questions the bot answered, by intent");
    this.handoffs = metrics.counter("livedesk_bot_handoffs_total", "conversations the bot handed to the queue, by reason");
  }

  /**
   * @param unansweredSoFar questions of this conversation the bot replied to without settling them
   *                        (the customer wrote again); from one on, the bot hands off instead of answering again
   */
  public BotReply reply(String text, String intent, int unansweredSoFar) {
    BotReply reply = decide(text == null ? "" : text, intent, unansweredSoFar);
    if (reply.handoff()) {
      handoffs.inc("reason=\"" + reply.reason() + "\"");
    } else {
      resolutions.inc("intent=\"" + LABEL_UNSAFE.matcher(intent).replaceAll("_") + "\"");
    }
    return reply;
  }

  private BotReply decide(String text, String intent, int unansweredSoFar) {
    if (asksForPerson(text)) {
      return BotReply.handoff(ASKED_FOR_PERSON);
    }
    if (unansweredSoFar >= 1) {
      return BotReply.handoff(UNANSWERED_AGAIN);
    }
    return knowledge.answer(intent, Language.of(text)).map(BotReply::answered)
        .orElseGet(() -> BotReply.handoff(NO_ANSWER));
  }

  public static boolean asksForPerson(String text) {
    return PERSON.matcher(text).find();
  }
}
