package io.livedesk.server.conversation;

import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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

/** Quick-reply templates: edited by supervisors, searched and rendered by agents, uses counted. */
class QuickRepliesTest {

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static final String SUPERVISOR = Tokens.of("qr-super", "supervisor");
  private static final String AGENT = Tokens.of("qr-agent", "agent");
  private static HttpClient http;
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start();
    http = client.createHttpClient();
  }

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
  }

  private record Response(int status, String body) {
  }

  private static Response call(HttpMethod method, String path, String token, JsonObject body) throws Exception {
    Promise<Response> result = Promise.promise();
    client.runOnContext(v -> http.request(method, node.port(), "127.0.0.1", path)
        .compose(req -> {
          if (token != null) {
            req.putHeader("Authorization", "Bearer " + token);
          }
          Future<HttpClientResponse> sent = body == null ? req.send() : req.send(body.toBuffer());
          return sent.compose(res -> res.body().map(b -> new Response(res.statusCode(), b.toString())));
        })
        .onComplete(result));
    return result.future().await(10, TimeUnit.SECONDS);
  }

  private static String create(String intent, String title, String text) throws Exception {
    Response r = call(HttpMethod.POST, "/api/admin/templates", SUPERVISOR,
        new JsonObject().put("intent", intent).put("title", title).put("text", text));
    assertEquals(201, r.status(), r.body());
    return new JsonObject(r.body()).getString("id");
  }

  @Test
  void aTemplateIsRenderedWithTheCustomersNameAndProductAndItsUseCounted() throws Exception {
    String id = create("size", "Size help", "Hi {customer_name}, the {product} runs small: take one size up.");
    Response r = call(HttpMethod.POST, "/api/templates/" + id + "/render", AGENT,
        new JsonObject().put("customer_name", "Mei").put("product", "linen shirt"));
    assertEquals(200, r.status(), r.body());
    JsonObject rendered = new JsonObject(r.body());
    assertEquals("Hi Mei, the linen shirt runs small: take one size up.", rendered.getString("text"));
    assertEquals(1L, rendered.getLong("uses"));
  }

  @Test
  void agentsSearchByIntentAndWords() throws Exception {
    create("shipping", "Express shipping", "Express arrives in two days.");
    create("shipping", "Free shipping", "Shipping is free above 99 yuan.");
    create("refund", "Refund time", "Refunds take three days.");
    Response r = call(HttpMethod.GET, "/api/templates?intent=shipping&q=free", AGENT, null);
    JsonArray found = new JsonArray(r.body());
    assertEquals(1, found.size());
    assertEquals("Free shipping", found.getJsonObject(0).getString("title"));
  }

  @Test
  void onlySupervisorsAndAdminsEditTemplates() throws Exception {
    String id = create("returns", "Returns", "Returns are free within 7 days.");
    assertEquals(403, call(HttpMethod.PUT, "/api/admin/templates/" + id, AGENT,
        new JsonObject().put("intent", "returns").put("title", "x").put("text", "y")).status());
    Response edited = call(HttpMethod.PUT, "/api/admin/templates/" + id, SUPERVISOR,
        new JsonObject().put("intent", "returns").put("title", "Returns").put("text", "Returns are free within 15 days."));
    assertEquals("Returns are free within 15 days.", new JsonObject(edited.body()).getString("text"));
    assertEquals(204, call(HttpMethod.DELETE, "/api/admin/templates/" + id, SUPERVISOR, null).status());
    assertEquals(404, call(HttpMethod.POST, "/api/templates/" + id + "/render", AGENT, new JsonObject()).status());
  }

  @Test
  void aTemplateWithoutTextIsRefused() throws Exception {
    assertEquals(400, call(HttpMethod.POST, "/api/admin/templates", SUPERVISOR,
        new JsonObject().put("intent", "size").put("title", "empty")).status());
  }
}
