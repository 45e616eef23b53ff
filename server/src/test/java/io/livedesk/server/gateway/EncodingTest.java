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

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
