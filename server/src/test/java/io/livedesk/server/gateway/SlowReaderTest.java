package io.livedesk.server.gateway;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Ping;
import io.livedesk.server.Node;
import io.livedesk.server.testing.RawWebSocket;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that asks for answers and never reads them cannot make the node queue without bound:
 * every frame written to a socket counts towards gateway.maxPendingBytes, and past it the
 * connection is closed with 4011.
 */
class SlowReaderTest {

  private static final int ID_BYTES = 60_000;
  private static final TestNodes nodes = new TestNodes();
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("gateway.maxPendingWrites", 65_536, "gateway.maxPendingBytes", 262_144,
        "gateway.framesPerSecond", 100_000, "gateway.frameBurst", 100_000,
        "gateway.userFramesPerSecond", 100_000, "gateway.userFrameBurst", 100_000));
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @Test
  void aClientThatNeverReadsItsAnswersIsClosedWith4011AndOthersAreServed() throws IOException {
    try (RawWebSocket ws = RawWebSocket.open(node.port(), Tokens.of("never-reads", "customer"), "", 4096)) {
      // Each ping is answered with a pong that repeats its 60 KB id; 400 of them are 24 MB the
      // client never reads, far beyond what the kernel's socket buffers can hide.
      String id = "x".repeat(ID_BYTES);
      byte[] ping = ("{\"id\":\"" + id + "\",\"ping\":{\"clientTime\":\"1\"}}").getBytes(StandardCharsets.UTF_8);
      try {
        for (int i = 0; i < 400; i++) {
          ws.send(RawWebSocket.TEXT, ping);
        }
      } catch (SocketException closedMeanwhile) {
        // the node closed the connection while we were still asking: what we want
      }
      assertEquals(4011, ws.awaitClose());
    }
    try (WsClient other = WsClient.connect(node.port(), Tokens.of("reads", "customer"))) {
      assertTrue(other.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(1))).hasPong());
    }
  }
}
