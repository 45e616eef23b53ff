package io.livedesk.server.routing;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiers, uplifts, follow-ups, skills and rule changes, on the shipped rules. */
class ClassifierTest {

  private final RoutingConfig config = RoutingConfig.from(Config.of(Map.of()));
  private final Classifier classifier = Classifier.from(config);
  private final Tier urgent = config.tiers().get("urgent");
  private final Tier normal = config.tiers().get("normal");
  private final Tier low = config.tiers().get("low");

  @Test
  void defaultTiersAreUrgentNormalLowWithTheirBudgets() {
    assertEquals(java.util.List.of(urgent, normal, low), config.tiers().all());
    assertEquals(Duration.ofSeconds(10), urgent.budget());
    assertEquals(Duration.ofSeconds(30), normal.budget());
    assertEquals(Duration.ofSeconds(120), low.budget());
    assertTrue(urgent.atLeast(normal));
    assertTrue(normal.atLeast(normal));
    assertFalse(low.atLeast(normal));
  }

  @Test
  void tiersComeFromConfigurationOrderedByBudget() {
    Tiers tiers = RoutingConfig.from(Config.of(Map.of("routing", Map.of("tiers", Map.of("slow", 60, "fast", 0.5))))).tiers();
    assertEquals("fast", tiers.mostUrgent().name());
    assertEquals(Duration.ofMillis(500), tiers.mostUrgent().budget());
    assertEquals("slow", tiers.leastUrgent().name());
    assertEquals("fast", RoutingConfig.from(Config.of(Map.of("routing.tiers", "slow=60,fast=1"))).tiers().mostUrgent().name());
  }

  @Test
  void aBadTierBudgetNamesTheSetting() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> RoutingConfig.from(Config.of(Map.of("routing.tiers", "urgent=soon"))));
    assertTrue(e.getMessage().contains("routing.tiers"), e.getMessage());
  }

  @Test
  void aQuestionNoRuleKnowsGetsTheDefaultIntentAndTier() {
    Classifier.Classification c = classifier.classify("hmm", Set.of(), false);
    assertEquals("general", c.intent());
    assertEquals(normal, c.tier());
  }

  @Test
  void aVipCustomerIsNeverBelowNormal() {
    assertEquals(low, classifier.classify("谢谢客服", Set.of(), false).tier());
    Classifier.Classification vip = classifier.classify("谢谢客服", Set.of("vip"), false);
    assertEquals("thanks", vip.intent());
    assertEquals(normal, vip.tier());
    assertEquals(urgent, classifier.classify("付款失败了", Set.of("vip"), false).tier(), "an uplift never lowers");
  }

  @Test
  void anAngryMessageGoesUrgent() {
    for (String text : new String[] {"我要投诉你们", "什么时候发货？？？", "Where is my invoice!!!", "refund now",
        "This is a scam", "马上给我退款"}) {
      Classifier.Classification c = classifier.classify(text, Set.of(), false);
      assertTrue(c.angry(), text);
      assertEquals(urgent, c.tier(), text);
    }
  }

  @Test
  void aCalmMessageIsNotAngry() {
    Classifier.Classification c = classifier.classify("Can I get an invoice? Thanks!", Set.of(), false);
    assertFalse(c.angry());
    assertEquals(low, c.tier());
  }

  @Test
  void aConversationOpenedWhileHesitatingAtTheCartIsAtLeastNormal() {
    Classifier.Classification c = classifier.classify("How do I leave a review?", Set.of(), true);
    assertEquals("review", c.intent());
    assertEquals(normal, c.tier());
    assertTrue(c.reasons().stream().anyMatch(r -> r.contains("cart")), c.reasons().toString());
  }

  @Test
  void aFollowUpRaisesAWaitingConversationButNeverLowersIt() {
    Tier waiting = classifier.classify("能开发票吗", Set.of(), false).tier();
    assertEquals(low, waiting);
    assertEquals(urgent, classifier.raise(waiting, classifier.classify("怎么还没人回复？？？", Set.of(), false)));
    assertEquals(urgent, classifier.raise(urgent, classifier.classify("thanks", Set.of(), false)));
  }

  @Test
  void eachIntentNeedsItsSkill() {
    assertEquals("payments", classifier.skillFor("payment"));
    assertEquals("orders", classifier.skillFor("shipping"));
    assertEquals("products", classifier.skillFor("size"));
    assertEquals("aftersales", classifier.skillFor("returns"));
    assertEquals("general", classifier.skillFor("no-such-intent"));
  }

  @Test
  void englishKeywordsMatchWholeWordsOnly() {
    assertEquals("spec", classifier.classify("Does the charger support fast charging?", Set.of(), false).intent());
  }

  @Test
  void replacedRulesChangeTheAnswer() {
    Classifier own = Classifier.from(config);
    assertEquals("general", own.classify("do you sell gift wrap", Set.of(), false).intent());
    JsonObject rules = own.rules().toJson();
    rules.getJsonArray("intents").add(new JsonObject().put("name", "gift_wrap").put("tier", "urgent")
        .put("skill", "products").put("keywords", new JsonArray().add("gift wrap")));
    own.replaceRules(rules);
    Classifier.Classification c = own.classify("do you sell gift wrap", Set.of(), false);
    assertEquals("gift_wrap", c.intent());
    assertEquals(urgent, c.tier());
    assertEquals("products", own.skillFor("gift_wrap"));
  }

  @Test
  void invalidRulesAreRefusedNamingTheFieldAndTheOldRulesStay() {
    JsonObject rules = classifier.rules().toJson();
    rules.getJsonArray("intents").getJsonObject(2).put("tier", "asap");
    InvalidRulesException e = assertThrows(InvalidRulesException.class, () -> classifier.replaceRules(rules));
    assertTrue(e.getMessage().startsWith("intents[2].tier: unknown tier 'asap'"), e.getMessage());

    JsonObject badPattern = classifier.rules().toJson();
    badPattern.getJsonObject("angry").getJsonArray("patterns").add("(unclosed");
    e = assertThrows(InvalidRulesException.class, () -> classifier.replaceRules(badPattern));
    assertTrue(e.getMessage().startsWith("angry.patterns["), e.getMessage());

    assertEquals("payment", classifier.classify("付款失败", Set.of(), false).intent());
  }

  @Test
  void aRulesFileThatCannotBeReadStopsTheNodeNamingTheSetting() {
    ConfigException e = assertThrows(ConfigException.class, () -> Classifier.from(
        RoutingConfig.from(Config.of(Map.of("routing.rulesFile", "/no/such/rules.json")))));
    assertTrue(e.getMessage().contains("routing.rulesFile"), e.getMessage());
  }
}
