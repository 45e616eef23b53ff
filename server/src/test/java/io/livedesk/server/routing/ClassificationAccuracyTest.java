package io.livedesk.server.routing;

import io.livedesk.server.config.Config;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped rules route questions to the right tier: the labelled set from the product
 * brief, and phrasings of our own that the rules were not written from.
 */
class ClassificationAccuracyTest {

  private static final double REQUIRED = 0.90;
  private final Classifier classifier = Classifier.from(RoutingConfig.from(Config.of(Map.of())));

  @Test
  void labelledQuestionsGetTheirTierAtLeastNineTimesInTen() throws IOException {
    assertAccurate("questions.jsonl");
  }

  @Test
  void phrasingsTheRulesWereNotWrittenFromGetTheirTierAtLeastNineTimesInTen() throws IOException {
    assertAccurate("unseen-questions.jsonl");
  }

  private void assertAccurate(String resource) throws IOException {
    List<JsonObject> questions = read(resource);
    List<String> misses = new ArrayList<>();
    int intents = 0;
    for (JsonObject q : questions) {
      Classifier.Classification c = classifier.classify(q.getString("text"), Set.of(), false);
      intents += c.intent().equals(q.getString("intent")) ? 1 : 0;
      if (!c.tier().name().equals(q.getString("tier"))) {
        misses.add(q.getString("text") + " -> " + c.intent() + "/" + c.tier() + ", expected "
            + q.getString("intent") + "/" + q.getString("tier"));
      }
    }
    double accuracy = 1.0 - (double) misses.size() / questions.size();
    System.out.printf("%s: tier accuracy %.1f%% (%d of %d), intent accuracy %d of %d%n", resource, accuracy * 100,
        questions.size() - misses.size(), questions.size(), intents, questions.size());
    misses.forEach(m -> System.out.println("  miss: " + m));
    assertTrue(accuracy >= REQUIRED, resource + ": tier accuracy " + accuracy + " below " + REQUIRED
        + "; misses:\n" + String.join("\n", misses));
  }

  static List<JsonObject> read(String resource) throws IOException {
    try (InputStream in = ClassificationAccuracyTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertTrue(in != null, resource + " missing from test resources");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(line -> !line.isBlank()).map(JsonObject::new).toList();
    }
  }
}
