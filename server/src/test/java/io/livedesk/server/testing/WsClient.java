package io.livedesk.server.testing;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameCodec;
import io.livedesk.protocol.FrameException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A real WebSocket client for tests. Received frames queue up; {@link #await} blocks the test
 * thread until a matching frame arrives or the timeout passes, so tests wait on events, never on
 * sleeps.
 */
public final class WsClient implements AutoCloseable {

  public static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final WebSocketClient owner;
  private final ClientWebSocket socket;
  private final boolean binary;
  private final BlockingDeque<Frame> frames = new LinkedBlockingDeque<>();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final AtomicLong ids = new AtomicLong();
  /** Frames the server sent that did not decode: a test that waits in vain says so. */
  private final List<String> undecodable = new CopyOnWriteArrayList<>();

  /** Handlers go on before the socket connects: a frame sent with the handshake's answer is never missed. */
  private WsClient(WebSocketClient owner, ClientWebSocket socket, boolean binary) {
    this.owner = owner;
    this.socket = socket;
    this.binary = binary;
    socket.textMessageHandler(text -> {
      try {
        frames.add(FrameCodec.fromJson(text));
      } catch (FrameException e) {
        undecodable.add(e.getMessage() + ": " + text);
      }
    });
    socket.binaryMessageHandler(bytes -> {
      try {
        frames.add(FrameCodec.fromBinary(bytes.getBytes()));
      } catch (FrameException e) {
        undecodable.add(e.getMessage() + ": " + bytes.length() + " bytes");
      }
    });
    socket.closeHandler(v -> closeCode.complete(socket.closeStatusCode() == null ? 1006 : (int) socket.closeStatusCode()));
  }

  public static Builder to(Vertx vertx, int port) {
    return new Builder(vertx, port);
  }

  /** Connects with the token in the Authorization header and waits for Welcome. */
  public static WsClient connect(Vertx vertx, int port, String token) {
    WsClient c = to(vertx, port).bearer(token).open();
    c.await(Frame::hasWelcome);
    return c;
  }

  public static final class Builder {
    private final Vertx vertx;
    private final WebSocketConnectOptions options = new WebSocketConnectOptions();
    private boolean binary;

    Builder(Vertx vertx, int port) {
      this.vertx = vertx;
      options.setHost("127.0.0.1").setPort(port).setURI("/ws");
    }

    public Builder bearer(String token) {
      options.addHeader("Authorization", "Bearer " + token);
      return this;
    }

    public Builder origin(String origin) {
      options.addHeader("Origin", origin);
      return this;
    }

    public Builder uri(String uri) {
      options.setURI(uri);
      return this;
    }

    public Builder protobuf() {
      binary = true;
      options.addSubProtocol("livedesk.protobuf");
      return this;
    }

    public WsClient open() {
      // The client object must stay referenced: Vert.x closes unreachable clients and their sockets.
      WebSocketClient owner = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
      WsClient client = new WsClient(owner, owner.webSocket(), binary);
      try {
        client.socket.connect(options).await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        owner.close();
        throw new IllegalStateException("cannot connect", e);
      }
      return client;
    }
  }

  /** Sends in the connection's encoding, giving the frame an id when it has none; returns the id. */
  public String send(Frame frame) {
    Frame f = frame.getId().isEmpty() ? frame.toBuilder().setId("c" + ids.incrementAndGet()).build() : frame;
    if (binary) {
      socket.writeBinaryMessage(Buffer.buffer(f.toByteArray()));
    } else {
      socket.writeTextMessage(FrameCodec.toJson(f));
    }
    return f.getId();
  }

  public String send(Frame.Builder frame) {
    return send(frame.build());
  }

  public void sendText(String text) {
    socket.writeTextMessage(text);
  }

  /** A text frame with exactly these bytes, valid UTF-8 or not. */
  public void sendRawText(byte[] bytes) {
    // The public API only builds text frames from Strings, which are always valid UTF-8.
    socket.writeFrame(new io.vertx.core.http.impl.websocket.WebSocketFrameImpl(io.vertx.core.http.WebSocketFrameType.TEXT, bytes, true));
  }

  public void sendBinary(byte[] bytes) {
    socket.writeBinaryMessage(Buffer.buffer(bytes));
  }

  /** The next frame that matches, skipping (and dropping) others. */
  public Frame await(Predicate<Frame> match) {
    return await(match, TIMEOUT);
  }

  public Frame await(Predicate<Frame> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Frame> skipped = new ArrayList<>();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        Frame f = left <= 0 ? null : frames.poll(left, TimeUnit.NANOSECONDS);
        if (f == null) {
          throw new AssertionError("no matching frame within " + timeout + "; skipped " + skipped
              + (isClosed() ? "; closed with " + closeCode.getNow(null) : "; still open")
              + (undecodable.isEmpty() ? "" : "; undecodable frames from the server: " + undecodable));
        }
        if (match.test(f)) {
          return f;
        }
        skipped.add(f);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The reply to the frame with this id (an answer or an error). */
  public Frame reply(String id) {
    return await(f -> f.getReplyTo().equals(id));
  }

  /** Sends and waits for the answer. */
  public Frame request(Frame.Builder frame) {
    return reply(send(frame));
  }

  /**
   * Sends and waits for the answer, leaving every other frame that arrived meanwhile (an offer
   * racing the answer, say) to be awaited next, in order.
   */
  public Frame requestKeepingOthers(Frame.Builder frame) {
    String id = send(frame);
    List<Frame> others = new ArrayList<>();
    try {
      return await(f -> {
        if (f.getReplyTo().equals(id)) {
          return true;
        }
        others.add(f);
        return false;
      });
    } finally {
      for (int i = others.size() - 1; i >= 0; i--) {
        frames.addFirst(others.get(i));
      }
    }
  }

  /** Frames received so far and not yet consumed. */
  public List<Frame> drain() {
    List<Frame> out = new ArrayList<>();
    frames.drainTo(out);
    return out;
  }

  /** The close code, waiting for the server to close. */
  public int awaitClose() {
    try {
      return closeCode.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("the connection was not closed within " + TIMEOUT, e);
    }
  }

  public boolean isClosed() {
    return closeCode.isDone();
  }

  @Override
  public void close() {
    if (!closeCode.isDone()) {
      socket.close();
    }
    owner.close();
  }
}
