package io.livedesk.server.metrics;

import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator's view: readiness, liveness and a Prometheus scrape that moves with traffic. */
class HealthAndMetricsTest {

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
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

  @Test
  void healthIsReadyWhenClusterAndStoreAnswer() throws Exception {
    var response = get("/health");
    assertEquals(200, response.status);
    JsonObject body = new JsonObject(response.body);
    assertEquals("UP", body.getString("status"));
    assertTrue(body.getJsonObject("cluster").getBoolean("joined"));
    assertTrue(body.getJsonObject("store").getBoolean("up"));
  }

  @Test
  void livenessAnswers() throws Exception {
    assertEquals(200, get("/health/live").status);
  }

  @Test
  void metricsCountConnectionsAndFramesAsTheyHappen() throws Exception {
    double sessionsBefore = value(get("/metrics").body, "livedesk_connections");
    double opened = value(get("/metrics").body, "livedesk_connections_opened_total");
    try (WsClient ws = WsClient.connect(node.port(), Tokens.of("metered", "viewer"))) {
      ws.request(io.livedesk.protocol.Frame.newBuilder().setPing(io.livedesk.protocol.Ping.getDefaultInstance()));
      String scrape = get("/metrics").body;
      assertEquals(sessionsBefore + 1, value(scrape, "livedesk_connections"));
      assertTrue(value(scrape, "livedesk_connections_opened_total") >= opened + 1);
      assertTrue(value(scrape, "livedesk_frames_in_total{type=\"ping\"}") >= 1);
      assertTrue(value(scrape, "livedesk_frames_out_total{type=\"welcome\"}") >= 1);
      assertTrue(scrape.contains("livedesk_event_loop_lag_ms"));
      assertTrue(scrape.contains("livedesk_jvm_heap_used_bytes"));
    }
  }

  private record Response(int status, String body) {
  }

  /** The whole exchange runs on one event loop, so the body handler is in place before the body arrives. */
  private static Response get(String path) throws Exception {
    io.vertx.core.Promise<Response> response = io.vertx.core.Promise.promise();
    client.getOrCreateContext().runOnContext(v -> http.request(HttpMethod.GET, node.port(), "127.0.0.1", path)
        .compose(r -> r.send().compose(res -> res.body().map(b -> new Response(res.statusCode(), b.toString()))))
        .onComplete(response));
    return response.future().await(10, TimeUnit.SECONDS);
  }

  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
    assertTrue(m.find(), series + " missing from scrape");
    return Double.parseDouble(m.group(1));
  }
}
