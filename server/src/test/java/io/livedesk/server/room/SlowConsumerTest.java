package io.livedesk.server.room;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameCodec;
import io.livedesk.protocol.FrameException;
import io.livedesk.protocol.JoinRoom;
import io.livedesk.protocol.Say;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A socket that cannot keep up loses room messages, counted, but never a coupon push; a socket that
 * keeps up loses none, on either transport, through a burst far larger than one flush (12 MB).
 */
class SlowConsumerTest {

  private static final int MESSAGES = 3000;
  private final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private Node node;

  @AfterEach
  void stopNode() {
    nodes.close();
  }

  @AfterAll
  static void stop() {
    client.close();
  }

  @Test
  void onNio() throws Exception {
    aSlowConsumerLosesRoomMessagesCountedButNotACouponPushAndAFastOneLosesNone("nio");
  }

  @Test
  void onIoUring() throws Exception {
    assumeTrue(Transport.IO_URING.available(), "io_uring is not available here");
    aSlowConsumerLosesRoomMessagesCountedButNotACouponPushAndAFastOneLosesNone("io_uring");
  }

  private void aSlowConsumerLosesRoomMessagesCountedButNotACouponPushAndAFastOneLosesNone(String transport) throws Exception {
    node = nodes.start(Map.of(
        "http.transport", transport,
        "gateway.framesPerSecond", 10_000, "gateway.frameBurst", 10_000,
        "gateway.userFramesPerSecond", 10_000, "gateway.userFrameBurst", 10_000,
        "rooms.maxMessageLength", 4000, "rooms.autoSlowRate", 0));
    BlockingQueue<Frame> received = new LinkedBlockingQueue<>();
    // A small receive buffer, and a socket that stops reading: the server's queue to it fills up.
    WebSocketClient sockets = client.createWebSocketClient(new WebSocketClientOptions().setReceiveBufferSize(4096)
        .setMaxFrameSize(1 << 22).setMaxMessageSize(1 << 24));
    // The handler goes on before connecting, so the Welcome cannot pass before it.
    ClientWebSocket slow = sockets.webSocket();
    slow.textMessageHandler(text -> received.add(decode(text)));
    slow.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port()).setURI("/ws")
        .addHeader("Authorization", "Bearer " + Tokens.of("slowpoke", "viewer"))).await(10, TimeUnit.SECONDS);
    await(received, Frame::hasWelcome);
    slow.writeTextMessage(FrameCodec.toJson(Frame.newBuilder().setId("j").setJoinRoom(JoinRoom.newBuilder().setRoomId("flood")).build()));
    await(received, Frame::hasRoomJoined);
    slow.pause();

    try (WsClient host = WsClient.connect(node.port(), Tokens.of("flooder", "moderator"))) {
      host.request(Frame.newBuilder().setJoinRoom(JoinRoom.newBuilder().setRoomId("flood")));
      String text = "x".repeat(4000);
      for (int i = 0; i < MESSAGES; i++) {
        host.send(Frame.newBuilder().setSay(Say.newBuilder().setRoomId("flood").setText(text)));
      }
      // The host reads everything, so once it has every message the fan-out has offered each one to the slow socket too.
      int seen = 0;
      while (seen < MESSAGES) {
        Frame f = host.await(x -> x.hasRoomMessage() || x.hasRoomBatch(), Duration.ofSeconds(30));
        seen += f.hasRoomBatch() ? f.getRoomBatch().getMessagesCount() : 1;
      }
    }
    // Each event loop writes its own members, so the slow socket's part may finish a little after the host's.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (dropped() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(dropped() > 0, "room frames to the slow socket were dropped and counted");

    JsonObject coupon = new JsonObject()
        .put("coupon", new JsonObject().put("amountCents", 300).put("total", 10))
        .put("target", new JsonObject().put("users", new JsonArray().add("slowpoke")));
    HttpClient http = client.createHttpClient(); // referenced until closed: Vert.x closes unreachable clients
    int status = http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
            .setPort(node.port()).setURI("/api/admin/campaigns")
            .putHeader("Authorization", "Bearer " + Tokens.of("boss", "admin")).putHeader("Content-Type", "application/json"))
        .compose(req -> req.send(coupon.toBuffer())).map(r -> r.statusCode()).await(10, TimeUnit.SECONDS);
    http.close();
    assertTrue(status == 201, "campaign created: " + status);

    slow.resume();
    Frame push = await(received, Frame::hasPush);
    assertTrue(push.getPush().hasCoupon());
    sockets.close();
  }

  private long dropped() {
    return node.metrics().droppedCount(Frame.BodyCase.ROOM_MESSAGE) + node.metrics().droppedCount(Frame.BodyCase.ROOM_BATCH);
  }

  private static Frame await(BlockingQueue<Frame> frames, java.util.function.Predicate<Frame> match) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Frame f = frames.poll(100, TimeUnit.MILLISECONDS);
      if (f != null && match.test(f)) {
        return f;
      }
    }
    throw new AssertionError("no matching frame");
  }

  private static Frame decode(String text) {
    try {
      return FrameCodec.fromJson(text);
    } catch (FrameException e) {
      throw new AssertionError(e);
    }
  }
}
