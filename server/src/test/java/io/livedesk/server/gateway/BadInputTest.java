package io.livedesk.server.gateway;

import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Ping;
import io.livedesk.protocol.Welcome;
import io.livedesk.server.Node;
import io.livedesk.server.testing.RawWebSocket;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad frames get a documented error or close, and the node keeps serving everyone else. */
class BadInputTest {

  private static final TestNodes nodes = new TestNodes();
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("gateway.maxFrameBytes", 4096, "gateway.framesPerSecond", 5, "gateway.frameBurst", 5,
        "gateway.rateLimitStrikes", 10, "gateway.maxBadFrames", 5, "gateway.maxConnectionsPerUser", 2));
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @AfterEach
  void othersAreStillServed() {
    try (WsClient other = WsClient.connect(node.port(), Tokens.of("bystander", "viewer"))) {
      assertTrue(other.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(1))).hasPong());
    }
  }

  @Test
  void malformedJsonIsAnsweredWithBadFrame() {
    try (WsClient ws = connect("m1")) {
      ws.sendText("{\"ping\": {\"clientTime\": ");
      assertEquals(ErrorCode.BAD_FRAME, ws.await(Frame::hasError).getError().getCode());
    }
  }

  @Test
  void aWrongFieldTypeIsAnsweredWithBadFrame() {
    try (WsClient ws = connect("m2")) {
      ws.sendText("{\"id\":\"1\",\"ping\":{\"clientTime\":\"not a number\"}}");
      assertEquals(ErrorCode.BAD_FRAME, ws.reply("1").getError().getCode());
    }
  }

  @Test
  void anUnknownTypeIsAnsweredWithUnknownType() {
    try (WsClient ws = connect("m3")) {
      ws.sendText("{\"id\":\"7\",\"teleport\":{\"to\":\"mars\"}}");
      Frame error = ws.await(Frame::hasError);
      assertEquals(ErrorCode.UNKNOWN_TYPE, error.getError().getCode());
    }
  }

  @Test
  void aServerOnlyFrameFromAClientIsAnsweredWithUnknownType() {
    try (WsClient ws = connect("m4")) {
      Frame error = ws.request(Frame.newBuilder().setWelcome(Welcome.getDefaultInstance()));
      assertEquals(ErrorCode.UNKNOWN_TYPE, error.getError().getCode());
    }
  }

  @Test
  void deeplyNestedJsonIsRefusedWithoutParsing() {
    try (WsClient ws = connect("m5")) {
      ws.sendText("{\"ping\":" + "[".repeat(1000) + "]".repeat(1000) + "}");
      assertEquals(ErrorCode.BAD_FRAME, ws.await(Frame::hasError).getError().getCode());
    }
  }

  @Test
  void randomBytesInABinaryFrameAreAnsweredWithBadFrame() {
    try (WsClient ws = connect("m6")) {
      ws.sendBinary(new byte[] {(byte) 0x0a, (byte) 0xff, (byte) 0xff, 0x01, 0x02});
      assertEquals(ErrorCode.BAD_FRAME, ws.await(Frame::hasError).getError().getCode());
    }
  }

  @Test
  void anOversizedFrameClosesWith1009() {
    try (WsClient ws = connect("big")) {
      ws.sendText("{\"ping\":{},\"id\":\"" + "x".repeat(10_000) + "\"}");
      assertEquals(1009, ws.awaitClose());
    }
  }

  @Test
  void invalidUtf8InATextFrameClosesWith1007() throws Exception {
    try (RawWebSocket ws = RawWebSocket.open(node.port(), Tokens.of("utf", "viewer"))) {
      ws.send(RawWebSocket.TEXT, new byte[] {'{', '"', (byte) 0xc3, (byte) 0x28, '"', '}'});
      assertEquals(1007, ws.awaitClose());
    }
  }

  @Test
  void aFloodIsRateLimitedThenClosedWith4008() {
    try (WsClient ws = connect("flood")) {
      Set<String> sent = new HashSet<>();
      for (int i = 0; i < 40; i++) {
        sent.add(ws.send(Frame.newBuilder().setPing(Ping.getDefaultInstance())));
      }
      Frame limited = ws.await(f -> f.hasError());
      assertEquals(ErrorCode.RATE_LIMITED, limited.getError().getCode());
      assertTrue(limited.getError().getRetryable());
      assertTrue(sent.contains(limited.getReplyTo()), () -> "the refusal names the refused frame: " + limited);
      assertEquals(4008, ws.awaitClose());
    }
  }

  @Test
  void aRateLimitedProtobufFrameIsNamedInItsRefusalSoItCanBeResent() {
    try (WsClient ws = WsClient.to(node.port()).bearer(Tokens.of("binary-flood", "viewer")).protobuf().open()) {
      ws.await(Frame::hasWelcome);
      Set<String> sent = new HashSet<>();
      for (int i = 0; i < 40; i++) {
        sent.add(ws.send(Frame.newBuilder().setPing(Ping.getDefaultInstance())));
      }
      Frame limited = ws.await(f -> f.hasError());
      assertEquals(ErrorCode.RATE_LIMITED, limited.getError().getCode());
      assertTrue(sent.contains(limited.getReplyTo()), () -> "the refusal names the refused frame: " + limited);
    }
  }

  @Test
  void repeatedBadFramesCloseWith4009() {
    try (WsClient ws = connect("abuser")) {
      for (int i = 0; i < 5; i++) {
        ws.sendText("not json " + i);
      }
      assertEquals(4009, ws.awaitClose());
    }
  }

  @Test
  void connectionsBeyondThePerUserCapAreClosedWith4010() {
    try (WsClient a = connect("busy"); WsClient b = connect("busy");
         WsClient c = WsClient.to(node.port()).bearer(Tokens.of("busy", "viewer")).open()) {
      assertEquals(ErrorCode.TOO_MANY_CONNECTIONS, c.await(Frame::hasError).getError().getCode());
      assertEquals(4010, c.awaitClose());
    }
  }

  private static WsClient connect(String user) {
    return WsClient.connect(node.port(), Tokens.of(user, "viewer"));
  }
}
