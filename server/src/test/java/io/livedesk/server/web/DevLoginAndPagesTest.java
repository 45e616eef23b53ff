package io.livedesk.server.web;

import io.livedesk.protocol.Frame;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web pages and SDK come from the jar; the dev login mints tokens on a dev node and nowhere else. */
class DevLoginAndPagesTest {

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static HttpClient http;
  private static Node devNode;
  private static Node productionNode;

  @BeforeAll
  static void start() {
    devNode = nodes.start(Map.of("dev", true));
    productionNode = nodes.start();
    http = client.createHttpClient();
  }

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
  }

  @Test
  void devNodeMintsATokenTheGatewayAccepts() throws Exception {
    Response r = post(devNode, new JsonObject().put("sub", "dana").put("name", "Dana")
        .put("roles", new JsonArray().add("agent").add("supervisor")).put("tags", new JsonArray().add("vip")).encode());
    assertEquals(200, r.status, r.body);
    String token = new JsonObject(r.body).getString("token");
    try (WsClient ws = WsClient.to(devNode.port()).bearer(token).open()) {
      Frame welcome = ws.await(Frame::hasWelcome);
      assertEquals("dana", welcome.getWelcome().getUserId());
      assertEquals(Set.of("agent", "supervisor"), Set.copyOf(welcome.getWelcome().getRolesList()));
      assertEquals(java.util.List.of("vip"), welcome.getWelcome().getTagsList());
    }
  }

  @Test
  void devTokenLivesAsLongAsAsked() throws Exception {
    long before = System.currentTimeMillis();
    Response r = post(devNode, new JsonObject().put("sub", "short").put("ttlSeconds", 60).encode());
    try (WsClient ws = WsClient.to(devNode.port()).bearer(new JsonObject(r.body).getString("token")).open()) {
      long expiresAt = ws.await(Frame::hasWelcome).getWelcome().getTokenExpiresAt();
      assertTrue(expiresAt <= before + 61_000 && expiresAt >= before + 58_000, "expires at " + expiresAt);
    }
  }

  @Test
  void nodeOutsideDevModeHasNoDevLogin() throws Exception {
    assertEquals(404, post(productionNode, new JsonObject().put("sub", "mallory").put("roles",
        new JsonArray().add("admin")).encode()).status);
  }

  @Test
  void badDevLoginRequestsAreRefusedWithAReason() throws Exception {
    assertEquals(400, post(devNode, "not json").status);
    assertEquals(400, post(devNode, "[]").status);
    assertEquals(400, post(devNode, new JsonObject().put("sub", "").encode()).status);
    assertEquals(400, post(devNode, new JsonObject().put("sub", "a b<").encode()).status);
    assertEquals(400, post(devNode, new JsonObject().put("sub", 7).encode()).status);
    assertEquals(400, post(devNode, new JsonObject().put("sub", "x").put("roles", "admin").encode()).status);
    Response unknownRole = post(devNode, new JsonObject().put("sub", "x").put("roles", new JsonArray().add("root")).encode());
    assertEquals(400, unknownRole.status);
    assertTrue(new JsonObject(unknownRole.body).getString("error").contains("root"));
    assertEquals(400, post(devNode, new JsonObject().put("sub", "x").put("ttlSeconds", 0).encode()).status);
    Response tooLarge = post(devNode, "{\"sub\":\"" + "x".repeat(WebRoutes.MAX_BODY_BYTES) + "\"}");
    assertEquals(413, tooLarge.status);
    assertEquals("request entity too large", new JsonObject(tooLarge.body).getString("error"));
  }

  @Test
  void pagesAndSdkAreServedFromTheJarOnEveryNode() throws Exception {
    for (Node node : nodes.nodes()) {
      Response proto = get(node, "/sdk/livedesk.proto");
      assertEquals(200, proto.status);
      assertTrue(proto.body.contains("message Frame"));
      Response index = get(node, "/");
      assertEquals(200, index.status);
      assertTrue(index.body.contains("<title>Livedesk"), index.body);
      assertEquals(200, get(node, "/sdk/index.js").status);
      assertEquals(200, get(node, "/vendor/chart.umd.min.js").status);
    }
    assertEquals(404, get(devNode, "/no-such-page.html").status);
  }

  @Test
  void pagesForbidInlineScripts() throws Exception {
    String csp = request(HttpMethod.GET, devNode, "/login.html", null).csp;
    assertTrue(csp.contains("script-src 'self'"), csp);
  }

  private record Response(int status, String body, String csp) {
  }

  private static Response get(Node node, String path) throws Exception {
    return request(HttpMethod.GET, node, path, null);
  }

  private static Response post(Node node, String body) throws Exception {
    return request(HttpMethod.POST, node, WebRoutes.DEV_TOKEN_PATH, body);
  }

  private static Response request(HttpMethod method, Node node, String path, String body) throws Exception {
    return http.request(method, node.port(), "127.0.0.1", path)
        .compose(req -> {
          req.putHeader("Content-Type", "application/json");
          // body() is asked for inside the send callback: attached any later (from this
          // thread), the response's chunks can pass before it and the body reads empty.
          return (body == null ? req.send() : req.send(Buffer.buffer(body)))
              .compose(r -> r.body().map(b -> new Response(r.statusCode(), b.toString(),
                  String.valueOf(r.getHeader("Content-Security-Policy")))));
        })
        .await(10, TimeUnit.SECONDS);
  }
}
