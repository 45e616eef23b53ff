package io.livedesk.server;

import io.livedesk.server.config.Config;
import io.livedesk.server.testing.TestNodes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code warmup} starts a whole node and stops it (what a class data archive is made from), and says when it cannot. */
class WarmupTest {

  @Test
  void startsAndStopsANode() throws IOException {
    Map<String, Object> s = TestNodes.baseSettings();
    s.put("store.dataDir", TestNodes.tempDir());
    s.put("cluster.port", freePort());
    assertEquals(0, Main.warmup(Config.of(s)));
  }

  @Test
  void failsWhereANodeWouldNotStart() {
    Map<String, Object> s = TestNodes.baseSettings();
    s.put("store.dataDir", TestNodes.tempDir());
    s.remove("auth.jwtSecret");
    assertEquals(1, Main.warmup(Config.of(s)));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
