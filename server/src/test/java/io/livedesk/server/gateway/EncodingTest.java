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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The subprotocol picks the encoding of what the server sends; either encoding is accepted. */
class EncodingTest {

  private static final TestNodes nodes = new TestNodes();
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start();
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @Test
  void aProtobufClientIsAnsweredInBinaryFrames() {
    try (WsClient ws = WsClient.to(node.port()).protobuf().bearer(Tokens.of("mobile", "customer")).open()) {
      assertEquals("protobuf", ws.await(Frame::hasWelcome).getWelcome().getEncoding());
      Frame pong = ws.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(99)));
      assertEquals(99, pong.getPong().getClientTime());
    }
  }

  @Test
  void aJsonClientIsAnsweredInTextFrames() {
    try (WsClient ws = WsClient.to(node.port()).bearer(Tokens.of("browser", "customer")).open()) {
      assertEquals("json", ws.await(Frame::hasWelcome).getWelcome().getEncoding());
      assertEquals(5, ws.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(5))).getPong().getClientTime());
    }
  }

  @Test
  void aClientOfferingCompressionAsBrowsersDoGetsPlainFramesItCanRead() throws Exception {
    try (RawWebSocket ws = RawWebSocket.open(node.port(), Tokens.of("deflating", "customer"),
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")) {
      assertFalse(ws.head().toLowerCase(java.util.Locale.ROOT).contains("sec-websocket-extensions"), ws.head());
      RawWebSocket.ServerFrame welcome = ws.readFrame();
      assertEquals(0x81, welcome.first(), "a final text frame, no RSV1 (not deflated)");
      assertTrue(new String(welcome.payload(), java.nio.charset.StandardCharsets.UTF_8).contains("\"welcome\""));
    }
  }
}
