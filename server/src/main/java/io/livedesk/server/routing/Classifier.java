package io.livedesk.server.routing;

import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.Texts;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Maps a customer's text to an intent and a tier with the current {@link Rules}, then applies
 * the uplifts (angry, customer tags such as vip, cart hesitation). The rule set is immutable and
 * swapped whole, so classification never sees half a change and needs no lock.
 */
public final class Classifier {

  /** The rules shipped in the jar. */
  public static final String SHIPPED_RULES = "routing-rules.json";
  /** Only the start of a very long message is read: intent shows early, and patterns stay cheap. */
  static final int MAX_TEXT = 2000;

  /** What a message is about, how fast it must be answered, and why. */
  public record Classification(String intent, Tier tier, boolean angry, List<String> reasons) {
    public Classification {
      reasons = List.copyOf(reasons);
    }
  }

  private final Tiers tiers;
  private final Rules configured;
  private final AtomicReference<Rules> rules;

  /** {@code configured} are the rules of the configuration, which {@link #resetRules()} goes back to. */
  public Classifier(Tiers tiers, Rules configured) {
    this.tiers = Objects.requireNonNull(tiers, "tiers");
    this.configured = Objects.requireNonNull(configured, "rules");
    this.rules = new AtomicReference<>(configured);
  }

  /** The rules file the configuration names, or the shipped rules; a bad file stops the node naming the setting. */
  public static Classifier from(RoutingConfig config) {
    boolean shipped = config.rulesFile() == null || config.rulesFile().isBlank();
    try {
      String json = shipped ? Texts.resource(SHIPPED_RULES) : Files.readString(Path.of(config.rulesFile()));
      return new Classifier(config.tiers(), Rules.parse(json, config.tiers()));
    } catch (IOException | InvalidRulesException e) {
      throw new ConfigException("in routing.rulesFile (" + (shipped ? SHIPPED_RULES : config.rulesFile()) + "): "
          + e.getMessage());
    }
  }

  public Classification classify(String text, Set<String> customerTags, boolean cartHesitating) {
    Rules r = rules.get();
    String normalized = Terms.normalize(text == null ? "" : text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text);
    List<String> reasons = new ArrayList<>();

    Rules.Intent best = null;
    Terms.Hits bestHits = null;
    for (Rules.Intent intent : r.intents()) {
      Terms.Hits hits = intent.terms().match(normalized);
      if (hits.any() && (best == null || better(hits, intent, bestHits, best))) {
        best = intent;
        bestHits = hits;
      }
    }
    String intent;
    Tier tier;
    if (best == null) {
      intent = r.defaultIntent();
      tier = r.defaultTier();
      reasons.add("no intent matched: " + intent + " -> " + tier);
    } else {
      intent = best.name();
      tier = best.tier();
      reasons.add("intent " + intent + " -> " + tier + " (" + String.join(", ", bestHits.matched()) + ")");
    }

    Terms.Hits angerHits = r.angry().match(normalized);
    boolean angry = angerHits.any();
    if (angry && r.angryTier().isPresent()) {
      tier = uplift(tier, r.angryTier().get(), "angry (" + String.join(", ", angerHits.matched()) + ")", reasons);
    }
    for (Map.Entry<String, Tier> floor : r.tagFloors().entrySet()) {
      if (customerTags != null && customerTags.contains(floor.getKey())) {
        tier = uplift(tier, floor.getValue(), "customer tagged " + floor.getKey(), reasons);
      }
    }
    if (cartHesitating && r.cartHesitatingTier().isPresent()) {
      tier = uplift(tier, r.cartHesitatingTier().get(), "opened while hesitating at the cart", reasons);
    }
    return new Classification(intent, tier, angry, reasons);
  }

  /**
   * The tier of a waiting conversation after a follow-up message: the follow-up can make it more
   * urgent, never less.
   */
  public Tier raise(Tier current, Classification followUp) {
    return Tier.mostUrgent(current, followUp.tier());
  }

  /** The agent skill an intent needs; unknown intents need the default skill. */
  public String skillFor(String intent) {
    Rules r = rules.get();
    return r.intent(intent).map(Rules.Intent::skill).orElse(r.defaultSkill());
  }

  public Rules rules() {
    return rules.get();
  }

  public Tiers tiers() {
    return tiers;
  }

  public void replaceRules(Rules next) {
    rules.set(Objects.requireNonNull(next, "rules"));
  }

  /** Validates the JSON against this classifier's tiers and swaps it in; the old rules stay on failure. */
  public Rules replaceRules(JsonObject json) {
    Rules next = Rules.parse(json, tiers);
    replaceRules(next);
    return next;
  }

  /** Back to the rules of the configuration (the shipped ones or routing.rulesFile). */
  public Rules resetRules() {
    rules.set(configured);
    return configured;
  }

  /** More evidence wins; on a tie the more urgent intent, since routing too fast costs less than too slow. */
  private static boolean better(Terms.Hits hits, Rules.Intent intent, Terms.Hits bestHits, Rules.Intent best) {
    return hits.score() > bestHits.score()
        || hits.score() == bestHits.score() && intent.tier().moreUrgentThan(best.tier());
  }

  private static Tier uplift(Tier tier, Tier floor, String why, List<String> reasons) {
    if (floor.moreUrgentThan(tier)) {
      reasons.add(why + " -> " + floor);
      return floor;
    }
    return tier;
  }
}
