package io.livedesk.load;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generator's WebSocket client against a real WebSocket server (Vert.x's): what every
 * benchmark figure is counted through. Each test gives the server what to do with a socket and
 * reads what the client reported.
 */
class WsClientTest {

  private static Vertx vertx;
  private static HttpServer server;
  private static volatile Consumer<ServerWebSocket> onSocket = ws -> { };
  private static WsClient client;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .addWebSocketSubProtocol("livedesk.json").setMaxWebSocketFrameSize(1 << 22).setMaxWebSocketMessageSize(1 << 22))
        .webSocketHandshakeHandler(h -> {
          if (h.path().equals("/refused")) {
            h.reject(403);
          } else {
            h.accept();
          }
        })
        .webSocketHandler(ws -> onSocket.accept(ws))
        .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client = new WsClient(1);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** What one socket reported, in order. */
  private static class Events implements WsClient.Listener {
    final CompletableFuture<WsClient.Link> opened = new CompletableFuture<>();
    final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    volatile Throwable failure;

    @Override
    public void opened(WsClient.Link link) {
      opened.complete(link);
    }

    @Override
    public void text(WsClient.Link link, String text) {
      texts.add(text);
    }

    @Override
    public void closed(WsClient.Link link, int code, Throwable failure) {
      this.failure = failure;
      closeCode.complete(code);
    }

    String nextText() throws InterruptedException {
      String t = texts.poll(10, TimeUnit.SECONDS);
      assertNotNull(t, "no text within 10 s");
      return t;
    }
  }

  private static Events connect(List<String> headers) throws Exception {
    Events e = new Events();
    client.connect("127.0.0.1", server.actualPort(), "127.0.0.1",
        new WsClient.Upgrade("/ws?x=1", "livedesk.json", headers), e);
    e.opened.get(10, TimeUnit.SECONDS);
    return e;
  }

  @Test
  void sendsTheUpgradeAsAskedAndEchoesTextOfEveryLengthEncoding() throws Exception {
    CompletableFuture<String> seen = new CompletableFuture<>();
    onSocket = ws -> {
      seen.complete(ws.path() + "?" + ws.query() + " " + ws.subProtocol() + " " + ws.headers().get("Authorization"));
      ws.textMessageHandler(ws::writeTextMessage);
    };
    Events e = connect(List.of("Authorization: Bearer t0k"));
    assertEquals("/ws?x=1 livedesk.json Bearer t0k", seen.get(10, TimeUnit.SECONDS));
    // 7-bit, 16-bit and 64-bit payload lengths, with characters of 2 and 3 bytes in UTF-8
    for (int n : new int[] {5, 125, 126, 40_000, 70_000}) {
      String text = "é語".repeat(n / 2) + "x".repeat(n % 2);
      e.opened.get().send(text);
      assertEquals(text, e.nextText());
    }
  }

  @Test
  void putsAFragmentedMessageTogetherAndAnswersPings() throws Exception {
    CompletableFuture<String> pong = new CompletableFuture<>();
    onSocket = ws -> {
      ws.pongHandler(b -> pong.complete(b.toString()));
      ws.writeFrame(WebSocketFrame.textFrame("frag", false));
      ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("men"), false));
      ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("ted"), true));
      ws.writePing(Buffer.buffer("are you there"));
      ws.writeTextMessage("after");
    };
    Events e = connect(List.of());
    assertEquals("fragmented", e.nextText());
    assertEquals("after", e.nextText());
    assertEquals("are you there", pong.get(10, TimeUnit.SECONDS));
  }

  @Test
  void reportsTheServersCloseCode() throws Exception {
    onSocket = ws -> ws.close((short) 4011, "slow");
    Events e = connect(List.of());
    assertEquals(4011, e.closeCode.get(10, TimeUnit.SECONDS));
    assertNull(e.failure);
  }

  @Test
  void aMessageTakenAsBytesIsNotDecodedAgain() throws Exception {
    onSocket = ws -> {
      ws.writeTextMessage("bytes: ts:bcd");
      ws.writeTextMessage("text");
    };
    BlockingQueue<String> asBytes = new LinkedBlockingQueue<>();
    Events e = new Events() {
      @Override
      public boolean message(WsClient.Link link, ByteBuf payload) {
        String s = payload.toString(StandardCharsets.UTF_8);
        if (s.startsWith("bytes")) {
          asBytes.add(s + " " + Wire.stampAt(payload, Wire.nextStamp(payload, payload.readerIndex())));
          return true;
        }
        return false;
      }
    };
    client.connect("127.0.0.1", server.actualPort(), null, new WsClient.Upgrade("/ws", null, List.of()), e);
    assertEquals("bytes: ts:bcd 123", asBytes.poll(10, TimeUnit.SECONDS));
    assertEquals("text", e.nextText());
    assertTrue(e.texts.isEmpty());
  }

  @Test
  void aRefusedConnectIsReportedAsAFailureWithoutOpening() throws Exception {
    int free;
    try (ServerSocket s = new ServerSocket(0)) {
      free = s.getLocalPort();
    }
    Events e = new Events();
    client.connect("127.0.0.1", free, null, new WsClient.Upgrade("/ws", null, List.of()), e);
    assertEquals(1006, e.closeCode.get(10, TimeUnit.SECONDS));
    assertNotNull(e.failure);
    assertFalse(e.opened.isDone());
  }

  @Test
  void anUpgradeTheServerRefusesIsAFailure() throws Exception {
    Events e = new Events();
    // answered with an HTTP error, not 101
    client.connect("127.0.0.1", server.actualPort(), null, new WsClient.Upgrade("/refused", null, List.of()), e);
    assertEquals(1006, e.closeCode.get(10, TimeUnit.SECONDS));
    assertNotNull(e.failure);
    assertFalse(e.opened.isDone());
  }

  @Test
  void everyStampOfABatchIsFoundInItsBytes() {
    ByteBuf batch = io.netty.buffer.Unpooled.copiedBuffer("{\"roomBatch\":[\"ts:b\",\"its:c t ts\",\"ts:bc\"]} ts:",
        StandardCharsets.US_ASCII);
    StringBuilder found = new StringBuilder();
    for (int at = Wire.nextStamp(batch, batch.readerIndex()); at >= 0; at = Wire.nextStamp(batch, at + Wire.STAMP.length())) {
      found.append(Wire.stampAt(batch, at)).append(' ');
    }
    assertEquals("1 2 12 -1 ", found.toString());
    assertTrue(WsClient.startsWith(batch, "{\"roomBatch\""));
    assertFalse(WsClient.startsWith(batch, "{\"roomMessage\""));
  }

  @Test
  void stampsInLettersSurviveTheirRoundTrip() {
    long now = System.nanoTime();
    String stamped = "say " + Wire.stamp(now) + " more";
    assertEquals(now, Wire.stampAt(stamped, stamped.indexOf(Wire.STAMP)));
    assertFalse(Wire.stamp(now).substring(Wire.STAMP.length()).chars().anyMatch(Character::isDigit),
        "a stamp in digits can pass the server's card check and be masked");
  }
}
