package io.livedesk.server.gateway;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Ping;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sockets that connect and stall, or announce huge fragments, cannot exhaust the node: they are
 * closed by deadline or on arrival, one address cannot hold more than its share, and real
 * clients are served all along. Attackers connect from other loopback addresses (127.0.0.2, ...).
 */
class ConnectionExhaustionTest {

  private static final int HANDSHAKE_TIMEOUT_MS = 1000;
  private static final int PER_IP = 20;
  private static final TestNodes nodes = new TestNodes();
  private static Node node;
  private static Node behindProxy;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("gateway.handshakeTimeoutMs", HANDSHAKE_TIMEOUT_MS, "gateway.maxConnectionsPerIp", PER_IP,
        "gateway.connectsPerSecondPerIp", 10_000, "auth.helloTimeoutMs", 60_000));
    behindProxy = nodes.start(Map.of("gateway.trustedProxies", "127.0.0.3", "gateway.connectsPerSecondPerIp", 1));
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @Test
  void halfAnHttpRequestLineIsClosedAfterTheHandshakeTimeout() throws IOException {
    try (Socket socket = connectFrom("127.0.0.1", node)) {
      socket.getOutputStream().write("GET /ws HT".getBytes(StandardCharsets.US_ASCII));
      long started = System.nanoTime();
      assertTrue(closedByServer(socket), "the stalled connection is still open");
      assertTrue(System.nanoTime() - started < 8_000_000_000L);
    }
  }

  @Test
  void anUpgradedWebSocketSilentLongerThanTheHandshakeTimeoutStaysOpen() throws InterruptedException {
    try (WsClient ws = WsClient.connect(node.port(), Tokens.of("quiet", "viewer"))) {
      // The passing time itself is under test: the HTTP read deadline must not reach WebSockets.
      Thread.sleep(HANDSHAKE_TIMEOUT_MS * 3L);
      assertTrue(ws.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(4))).hasPong());
    }
  }

  @Test
  void anUnauthenticatedSocketAnnouncingAMillionByteFragmentIsClosedOnItsHeader() throws IOException {
    try (Socket socket = upgraded("127.0.0.1")) {
      try {
        OutputStream out = socket.getOutputStream();
        out.write(fragmentHeader(1_000_000));
        out.write(new byte[1_000_000]);
      } catch (SocketException closedWhileWriting) {
        // the server closed mid-fragment: what we want
      }
      assertTrue(closedByServer(socket), "still open after a 1,000,000-byte first fragment");
    }
  }

  @Test
  void aFirstFragmentOverTheFrameLimitButWithinTheTransportsClosesWith1009() throws IOException {
    try (Socket socket = upgraded("127.0.0.1")) {
      OutputStream out = socket.getOutputStream();
      out.write(fragmentHeader(100_000));
      out.write(new byte[100_000]);
      InputStream in = socket.getInputStream();
      assertEquals(0x88, in.read(), "a close frame");
      int length = in.read();
      assertTrue(length >= 2);
      assertEquals(1009, (in.read() << 8) | in.read());
    }
  }

  @Test
  void twoThousandIdleTcpConnectionsAreShedWhileRealClientsAreServed() throws IOException {
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 2000; i++) {
        idle.add(connectFrom("127.0.0." + (10 + i % 4), node));
      }
      try (WsClient real = WsClient.connect(node.port(), Tokens.of("real-client", "viewer"))) {
        assertTrue(real.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(1))).hasPong());
      }
      int stillOpen = 0;
      for (Socket s : idle) {
        if (!closedByServer(s)) {
          stillOpen++;
        }
      }
      assertEquals(0, stillOpen, "idle connections the node did not shed");
      try (WsClient real = WsClient.connect(node.port(), Tokens.of("real-client-2", "viewer"))) {
        assertTrue(real.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(2))).hasPong());
      }
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }

  @Test
  void oneAddressGetsNoMoreThanItsShareOfConnectionsAndOthersStillGetIn() throws IOException {
    List<Socket> held = new ArrayList<>();
    try {
      int refused = 0;
      for (int i = 0; i < PER_IP + 5; i++) {
        Socket socket = connectFrom("127.0.0.20", node);
        held.add(socket);
        socket.getOutputStream().write(upgradeRequest(null).getBytes(StandardCharsets.US_ASCII));
        if (!head(socket.getInputStream()).startsWith("HTTP/1.1 101")) {
          refused++;
        }
      }
      assertEquals(5, refused, "connections over the per-address cap of " + PER_IP);
      try (WsClient real = WsClient.connect(node.port(), Tokens.of("real-client-3", "viewer"))) {
        assertTrue(real.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(3))).hasPong());
      }
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void xForwardedForIsBelievedOnlyFromATrustedProxy() throws IOException {
    // Untrusted peer: the header is ignored, so its handshakes share one bucket (1/s, burst 2).
    List<Integer> untrusted = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      untrusted.add(upgradeStatus("127.0.0.4", "10.0.0." + i));
    }
    assertTrue(untrusted.contains(429), "forged X-Forwarded-For escaped the handshake limit: " + untrusted);
    // Trusted proxy: each forwarded client has its own bucket.
    List<Integer> viaProxy = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      viaProxy.add(upgradeStatus("127.0.0.3", "10.0.1." + i));
    }
    assertEquals(List.of(101, 101, 101, 101), viaProxy);
  }

  private static Socket connectFrom(String source, Node target) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(source, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", target.port()), 10_000);
    socket.setSoTimeout((int) WsClient.TIMEOUT.toMillis());
    return socket;
  }

  /** Whether the server ends the connection (end of stream or reset) within the read timeout. */
  private static boolean closedByServer(Socket socket) {
    try {
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      while (in.read(buffer) >= 0) {
        // skip whatever the server sent before closing (a close frame, say)
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** A WebSocket upgrade without a token: the connection waits for its hello. */
  private static Socket upgraded(String source) throws IOException {
    Socket socket = connectFrom(source, node);
    socket.getOutputStream().write(upgradeRequest(null).getBytes(StandardCharsets.US_ASCII));
    String head = head(socket.getInputStream());
    assertTrue(head.startsWith("HTTP/1.1 101"), head);
    return socket;
  }

  private static int upgradeStatus(String source, String forwardedFor) throws IOException {
    try (Socket socket = connectFrom(source, behindProxy)) {
      socket.getOutputStream().write(upgradeRequest(forwardedFor).getBytes(StandardCharsets.US_ASCII));
      return Integer.parseInt(head(socket.getInputStream()).substring(9, 12));
    }
  }

  private static String upgradeRequest(String forwardedFor) {
    return "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + (forwardedFor == null ? "" : "X-Forwarded-For: " + forwardedFor + "\r\n") + "\r\n";
  }

  private static String head(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }

  /** The header of a masked, non-final text frame announcing this many payload bytes (mask of zeros). */
  private static byte[] fragmentHeader(int length) {
    return new byte[] {0x01, (byte) (0x80 | 127), 0, 0, 0, 0,
        (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length, 0, 0, 0, 0};
  }
}
