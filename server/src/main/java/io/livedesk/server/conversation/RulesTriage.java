package io.livedesk.server.conversation;

import io.livedesk.server.bot.Bot;
import io.livedesk.server.routing.Classifier;
import io.livedesk.server.routing.Tier;

import java.util.Optional;
import java.util.Set;

/** Triage by the configured classification rules, then the bot's knowledge base. */
public final class RulesTriage implements Triage {

  private final Classifier classifier;
  private final Bot bot;

  public RulesTriage(Classifier classifier, Bot bot) {
    this.classifier = classifier;
    this.bot = bot;
  }

  @Override
  public Verdict assess(String text, Set<String> customerTags, boolean cartHesitating, int unansweredSoFar) {
    Classifier.Classification c = classifier.classify(text, customerTags, cartHesitating);
    Bot.BotReply reply = bot.reply(text, c.intent(), unansweredSoFar);
    return verdict(c.intent(), c.tier(), reply.answer(), reply.handoff(), reply.reason());
  }

  @Override
  public Verdict raise(Verdict current, String followUpText, Set<String> customerTags) {
    Classifier.Classification c = classifier.classify(followUpText, customerTags, false);
    Tier now = classifier.tiers().get(current.tier());
    Tier raised = classifier.raise(now, c);
    return raised.equals(now) ? current : verdict(current.intent(), raised, Optional.empty(), true, "raised");
  }

  private Verdict verdict(String intent, Tier tier, Optional<String> answer, boolean handoff, String reason) {
    return new Verdict(intent, tier.name(), tier.rank(), tier.budget().toMillis(), classifier.skillFor(intent), answer,
        handoff, reason);
  }
}
