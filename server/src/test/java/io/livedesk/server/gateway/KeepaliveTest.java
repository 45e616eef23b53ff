package io.livedesk.server.gateway;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Ping;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server pings quiet connections and closes those that answer nothing within the idle timeout. */
class KeepaliveTest {

  private static final int IDLE_TIMEOUT_SECONDS = 3;
  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("gateway.pingIntervalSeconds", 1, "gateway.idleTimeoutSeconds", IDLE_TIMEOUT_SECONDS));
  }

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
  }

  @Test
  void aQuietClientThatAnswersPingsOutlivesTheIdleTimeout() throws Exception {
    try (WsClient ws = WsClient.connect(node.port(), Tokens.of("quiet", "viewer"))) {
      // The client sends nothing for twice the idle timeout; only its automatic pongs answer the server.
      Thread.sleep(Duration.ofSeconds(2L * IDLE_TIMEOUT_SECONDS).toMillis());
      assertFalse(ws.isClosed(), "closed although it answered every ping");
      Frame pong = ws.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(5)));
      assertEquals(5, pong.getPong().getClientTime());
    }
  }

  @Test
  void aClientThatAnswersNothingIsClosedAfterTheIdleTimeout() throws Exception {
    // A raw socket that completes the upgrade and then never reads a frame nor sends a pong.
    // Held until the end: Vert.x closes a client that is no longer referenced, and its sockets with it.
    NetClient tcp = client.createNetClient();
    NetSocket socket = tcp.connect(node.port(), "127.0.0.1").await(10, TimeUnit.SECONDS);
    Promise<Void> closed = Promise.promise();
    StringBuilder received = new StringBuilder();
    socket.handler(b -> received.append(b.toString(StandardCharsets.ISO_8859_1)));
    socket.closeHandler(v -> closed.tryComplete());
    socket.write(Buffer.buffer("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + "Authorization: Bearer " + Tokens.of("silent", "viewer") + "\r\n\r\n"));
    long start = System.nanoTime();
    // The close frame goes out at the idle timeout; the TCP connection ends when the peer answers
    // it or, as this one never does, after the server's closing timeout (10 s).
    closed.future().await(IDLE_TIMEOUT_SECONDS + 20, TimeUnit.SECONDS);
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    assertTrue(received.toString().startsWith("HTTP/1.1 101"), () -> "upgraded first: " + received);
    String afterUpgrade = received.substring(received.indexOf("\r\n\r\n") + 4);
    assertTrue(afterUpgrade.contains("\u0088") && afterUpgrade.contains("\u0003\u00e9"),
        () -> "a close frame with 1001 (going away) was sent: " + afterUpgrade.chars().mapToObj(c -> String.format("%02x", c))
            .collect(Collectors.joining(" ")));
    assertTrue(seconds >= IDLE_TIMEOUT_SECONDS - 1, "closed after " + seconds + " s, before its idle timeout");
    tcp.close();
  }
}
