package io.livedesk.server.routing;

import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shop's view of its rules over HTTP, on a real two-node cluster. */
class ClassificationApiTest {

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static final String SUPERVISOR = Tokens.of("sue", "supervisor");
  private static final String ADMIN = Tokens.of("ada", "admin");
  private static HttpClient http;
  private static Node first;
  private static Node second;

  @BeforeAll
  static void start() {
    first = nodes.start();
    second = nodes.start();
    http = client.createHttpClient();
  }

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
  }

  @Test
  void aSupervisorGetsTheIntentAndTierOfAText() throws Exception {
    Response r = call(first, HttpMethod.POST, "/api/classify", SUPERVISOR, new JsonObject().put("text", "付款一直失败"));
    assertEquals(200, r.status, r.body);
    JsonObject body = new JsonObject(r.body);
    assertEquals("payment", body.getString("intent"));
    assertEquals("urgent", body.getString("tier"));
    assertEquals(false, body.getBoolean("angry"));
    assertEquals("payments", body.getString("skill"));
    assertTrue(body.getJsonArray("reasons").getString(0).contains("付款"), r.body);
  }

  @Test
  void tagsApplyTheirUplift() throws Exception {
    Response r = call(first, HttpMethod.POST, "/api/classify", ADMIN,
        new JsonObject().put("text", "thanks!").put("tags", new JsonArray().add("vip")));
    assertEquals(200, r.status, r.body);
    assertEquals("normal", new JsonObject(r.body).getString("tier"));
  }

  @Test
  void classifyWithoutATokenIsUnauthorized() throws Exception {
    assertEquals(401, call(first, HttpMethod.POST, "/api/classify", null, new JsonObject().put("text", "hi")).status);
  }

  @Test
  void classifyWithAForgedTokenIsUnauthorized() throws Exception {
    Response r = call(first, HttpMethod.POST, "/api/classify", SUPERVISOR + "x", new JsonObject().put("text", "hi"));
    assertEquals(401, r.status);
    assertTrue(new JsonObject(r.body).getString("error").contains("token"), r.body);
  }

  @Test
  void classifyIsForbiddenToCustomersAndAgents() throws Exception {
    for (String role : new String[] {"customer", "agent", "viewer"}) {
      Response r = call(first, HttpMethod.POST, "/api/classify", Tokens.of("u", role), new JsonObject().put("text", "hi"));
      assertEquals(403, r.status, role);
      assertEquals("this needs the supervisor or admin role", new JsonObject(r.body).getString("error"));
    }
  }

  @Test
  void classifyRefusesABodyThatIsNotJson() throws Exception {
    Response r = call(first, HttpMethod.POST, "/api/classify", SUPERVISOR, Buffer.buffer("{text: oops"));
    assertEquals(400, r.status);
    assertEquals("the body must be a JSON object", new JsonObject(r.body).getString("error"));
  }

  @Test
  void classifyRefusesABodyWithoutText() throws Exception {
    Response r = call(first, HttpMethod.POST, "/api/classify", SUPERVISOR, new JsonObject().put("txt", "hi"));
    assertEquals(400, r.status);
    assertEquals("text: a non-empty string is required", new JsonObject(r.body).getString("error"));
  }

  @Test
  void onlyAnAdminReadsTheRules() throws Exception {
    assertEquals(403, call(first, HttpMethod.GET, "/api/admin/rules", SUPERVISOR, null).status);
    Response r = call(first, HttpMethod.GET, "/api/admin/rules", ADMIN, null);
    assertEquals(200, r.status);
    assertTrue(new JsonObject(r.body).getJsonArray("intents").size() >= 15, r.body);
  }

  @Test
  void onlyAnAdminReplacesTheRules() throws Exception {
    JsonObject rules = new JsonObject(call(first, HttpMethod.GET, "/api/admin/rules", ADMIN, null).body);
    assertEquals(403, call(first, HttpMethod.PUT, "/api/admin/rules", SUPERVISOR, rules).status);
    assertEquals(401, call(first, HttpMethod.PUT, "/api/admin/rules", null, rules).status);
  }

  @Test
  void invalidRulesAreRefusedNamingTheProblem() throws Exception {
    JsonObject rules = new JsonObject(call(first, HttpMethod.GET, "/api/admin/rules", ADMIN, null).body);
    rules.getJsonObject("uplifts").getJsonObject("tags").put("vip", "asap");
    Response r = call(first, HttpMethod.PUT, "/api/admin/rules", ADMIN, rules);
    assertEquals(400, r.status);
    assertTrue(new JsonObject(r.body).getString("error").startsWith("uplifts.tags.vip: unknown tier 'asap'"), r.body);
    assertEquals(400, call(first, HttpMethod.PUT, "/api/admin/rules", ADMIN, Buffer.buffer("[]")).status);
  }

  @Test
  void aPatternThatBacktracksCatastrophicallyIsRefusedAndNoClassificationHangs() throws Exception {
    JsonObject rules = new JsonObject(call(first, HttpMethod.GET, "/api/admin/rules", ADMIN, null).body);
    rules.getJsonArray("intents").add(new JsonObject().put("name", "redos").put("tier", "low")
        .put("patterns", new JsonArray().add("(.*,){12}P")));
    Response r = call(first, HttpMethod.PUT, "/api/admin/rules", ADMIN, rules);
    assertEquals(400, r.status, r.body);
    assertTrue(new JsonObject(r.body).getString("error").contains("backtracks catastrophically"), r.body);
    long started = System.nanoTime();
    classify(first, new JsonObject().put("text", ",".repeat(40) + "!"));
    assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5));
  }

  @Test
  void rulesReplacedAtRunTimeChangeTheAnswerOnEveryNode() throws Exception {
    JsonObject text = new JsonObject().put("text", "Can you gift wrap it?");
    assertEquals("general", classify(second, text).getString("intent"));

    assertEquals(200, addIntent("gift_wrap", "gift wrap*").status);

    JsonObject here = classify(first, text);
    assertEquals("gift_wrap", here.getString("intent"));
    assertEquals("low", here.getString("tier"));
    assertEquals("gift_wrap", awaitIntent(second, text, "gift_wrap"));
  }

  @Test
  void aNodeThatJoinsLaterUsesTheReplacedRules() throws Exception {
    assertEquals(200, addIntent("engraving", "engrav*").status);
    Node later = nodes.start();
    try {
      assertEquals("engraving", classify(later, new JsonObject().put("text", "Do you offer engraving?")).getString("intent"));
    } finally {
      nodes.stop(later);
    }
  }

  @Test
  void resettingTheRulesGoesBackToTheConfiguredOnesOnEveryNode() throws Exception {
    JsonObject text = new JsonObject().put("text", "Is there a phone hotline?");
    assertEquals(200, addIntent("hotline", "hotline").status);
    assertEquals("hotline", awaitIntent(second, text, "hotline"));

    assertEquals(403, call(first, HttpMethod.DELETE, "/api/admin/rules", SUPERVISOR, null).status);
    Response r = call(first, HttpMethod.DELETE, "/api/admin/rules", ADMIN, null);
    assertEquals(200, r.status, r.body);
    assertEquals("general", classify(first, text).getString("intent"));
    assertEquals("general", awaitIntent(second, text, "general"));
  }

  /** Replaces the rules with the current ones plus a low-tier intent found by one keyword. */
  private static Response addIntent(String intent, String keyword) throws Exception {
    JsonObject rules = new JsonObject(call(first, HttpMethod.GET, "/api/admin/rules", ADMIN, null).body);
    rules.getJsonArray("intents").add(new JsonObject().put("name", intent).put("tier", "low")
        .put("keywords", new JsonArray().add(keyword)));
    return call(first, HttpMethod.PUT, "/api/admin/rules", ADMIN, rules);
  }

  /** Other nodes apply published rules shortly after; wait for it within a bound. */
  private static String awaitIntent(Node node, JsonObject text, String expected) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String intent = classify(node, text).getString("intent");
    while (!expected.equals(intent) && System.nanoTime() < until) {
      client.timer(20).await();
      intent = classify(node, text).getString("intent");
    }
    return intent;
  }

  private static JsonObject classify(Node node, JsonObject text) throws Exception {
    Response r = call(node, HttpMethod.POST, "/api/classify", SUPERVISOR, text);
    assertEquals(200, r.status, r.body);
    return new JsonObject(r.body);
  }

  private record Response(int status, String body) {
  }

  /**
   * Runs the whole exchange on one event loop, so the response body cannot arrive before its
   * handler is set (it can when a test thread attaches the handler late).
   */
  private static Response call(Node node, HttpMethod method, String path, String token, Object body) throws Exception {
    Promise<Response> result = Promise.promise();
    client.runOnContext(v -> http.request(method, node.port(), "127.0.0.1", path)
        .compose(req -> {
          if (token != null) {
            req.putHeader("Authorization", "Bearer " + token);
          }
          Future<HttpClientResponse> sent = body == null ? req.send()
              : req.send(body instanceof Buffer b ? b : ((JsonObject) body).toBuffer());
          return sent.compose(res -> res.body().map(b -> new Response(res.statusCode(), b.toString())));
        })
        .onComplete(result));
    return result.future().await(10, TimeUnit.SECONDS);
  }
}
