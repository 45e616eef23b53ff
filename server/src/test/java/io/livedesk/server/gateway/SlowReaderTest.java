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

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", node.port()), 5000);
      socket.setSoTimeout((int) WsClient.TIMEOUT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
          + "Authorization: Bearer " + Tokens.of("never-reads", "customer") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      // Each ping is answered with a pong that repeats its 60 KB id; 400 of them are 24 MB the
      // client never reads, far beyond what the kernel's socket buffers can hide.
      String id = "x".repeat(ID_BYTES);
      byte[] ping = ("{\"id\":\"" + id + "\",\"ping\":{\"clientTime\":\"1\"}}").getBytes(StandardCharsets.UTF_8);
      try {
        for (int i = 0; i < 400; i++) {
          writeMaskedText(out, ping);
        }
      } catch (SocketException closedMeanwhile) {
        // the node closed the connection while we were still asking: what we want
      }
      assertEquals(4011, closeCode(new DataInputStream(socket.getInputStream())));
    }
    try (WsClient other = WsClient.connect(node.port(), Tokens.of("reads", "customer"))) {
      assertTrue(other.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(1))).hasPong());
    }
  }

  /** Skips the upgrade answer and every frame until the close frame; its code, or 1006 at end of stream. */
  private static int closeCode(DataInputStream in) throws IOException {
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return 1006;
      }
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    while (true) {
      int head = in.read();
      if (head < 0) {
        return 1006;
      }
      long length = in.readUnsignedByte() & 0x7f;
      if (length == 126) {
        length = in.readUnsignedShort();
      } else if (length == 127) {
        length = in.readLong();
      }
      byte[] payload = new byte[(int) length];
      in.readFully(payload);
      if ((head & 0x0f) == 0x8) {
        return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
      }
    }
  }

  /** A final text frame with a 16-bit length and a zero mask, as a client must mask. */
  private static void writeMaskedText(OutputStream out, byte[] payload) throws IOException {
    out.write(new byte[] {(byte) 0x81, (byte) (0x80 | 126), (byte) (payload.length >>> 8), (byte) payload.length, 0, 0, 0, 0});
    out.write(payload);
  }
}
