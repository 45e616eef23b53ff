package io.livedesk.server.gateway;

import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Ping;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Limits beyond one connection: browser origins, handshakes per address, frames per user. */
class ConnectionLimitsTest {

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("gateway.allowedOrigins", "https://shop.example",
        "gateway.framesPerSecond", 100, "gateway.frameBurst", 100,
        "gateway.userFramesPerSecond", 1, "gateway.userFrameBurst", 6));
  }

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
  }

  @Test
  void aBrowserFromAnOriginNotAllowedIsRefusedBeforeTheUpgrade() {
    UpgradeRejectedException e = assertThrows(UpgradeRejectedException.class, () -> connect("https://evil.example"));
    assertEquals(403, e.getStatus());
  }

  @Test
  void aBrowserFromAnAllowedOriginIsAccepted() throws Exception {
    connect("https://shop.example").close();
  }

  @Test
  void aUsersFramesAreLimitedOverAllTheirConnections() {
    try (WsClient a = fromShop("twins"); WsClient b = fromShop("twins")) {
      // Each connection alone is far below its own limit; together they exceed the user's burst of 6.
      List<String> onA = new ArrayList<>();
      List<String> onB = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        onA.add(a.send(Frame.newBuilder().setId("a" + i).setPing(Ping.getDefaultInstance())));
        onB.add(b.send(Frame.newBuilder().setId("b" + i).setPing(Ping.getDefaultInstance())));
      }
      List<Frame> answers = new ArrayList<>();
      onA.forEach(id -> answers.add(a.await(f -> f.hasPong() && f.getReplyTo().equals(id) || f.hasError())));
      onB.forEach(id -> answers.add(b.await(f -> f.hasPong() && f.getReplyTo().equals(id) || f.hasError())));
      long limited = answers.stream().filter(f -> f.getError().getCode() == ErrorCode.RATE_LIMITED).count();
      assertEquals(2, limited, answers.toString());
    }
  }

  @Test
  void handshakesBeyondTheAddressRateAreRefusedWith429() {
    Node strict = nodes.start(Map.of("gateway.connectsPerSecondPerIp", 1));
    WebSocketClient ws = client.createWebSocketClient();
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(strict.port())
        .setURI("/ws").addHeader("Authorization", "Bearer " + Tokens.of("fast", "viewer"));
    // A burst of twice the rate passes; the next handshake in the same second does not.
    ws.connect(options).await();
    ws.connect(options).await();
    UpgradeRejectedException e = assertThrows(UpgradeRejectedException.class, () -> ws.connect(options).await());
    assertEquals(429, e.getStatus());
  }

  private static WsClient fromShop(String user) {
    WsClient ws = WsClient.to(node.port()).origin("https://shop.example").bearer(Tokens.of(user, "customer")).open();
    ws.await(Frame::hasWelcome);
    return ws;
  }

  private static io.vertx.core.http.WebSocket connect(String origin) throws Exception {
    WebSocketClient ws = client.createWebSocketClient();
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port())
        .setURI("/ws").addHeader("Origin", origin).addHeader("Authorization", "Bearer " + Tokens.of("o", "viewer"));
    return ws.connect(options).await(10, TimeUnit.SECONDS);
  }
}
