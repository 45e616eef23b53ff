package io.livedesk.server.testing;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameCodec;
import io.livedesk.protocol.FrameException;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A real WebSocket client for tests. Received frames queue up; {@link #await} blocks the test
 * thread until a matching frame arrives or the timeout passes, so tests wait on events, never on
 * sleeps.
 *
 * <p>It is the JDK's WebSocket client, not Vert.x's: its listener is given before the handshake
 * and it reads only on demand, so nothing the server sends with or right after the handshake
 * answer can be missed. The Vert.x client installs its handlers after the handshake, in a step
 * that can run after the server's next frames were read: a Welcome was then dropped, and a
 * server that refuses and closes at once made the connect itself fail ("WebSocket is closed").
 */
public final class WsClient implements AutoCloseable {

  public static final Duration TIMEOUT = Duration.ofSeconds(10);
  /** One JDK client (one selector thread) for every test socket. */
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  private final boolean binary;
  private final BlockingDeque<Frame> frames = new LinkedBlockingDeque<>();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final AtomicLong ids = new AtomicLong();
  /** Frames the server sent that did not decode: a test that waits in vain says so. */
  private final List<String> undecodable = new CopyOnWriteArrayList<>();
  private WebSocket socket;

  private WsClient(boolean binary) {
    this.binary = binary;
  }

  public static Builder to(int port) {
    return new Builder(port);
  }

  /** Connects with the token in the Authorization header and waits for Welcome. */
  public static WsClient connect(int port, String token) {
    WsClient c = to(port).bearer(token).open();
    c.await(Frame::hasWelcome);
    return c;
  }

  public static final class Builder {
    private final int port;
    private final WebSocket.Builder options = HTTP.newWebSocketBuilder().connectTimeout(TIMEOUT);
    private String path = "/ws";
    private boolean binary;

    Builder(int port) {
      this.port = port;
    }

    public Builder bearer(String token) {
      options.header("Authorization", "Bearer " + token);
      return this;
    }

    public Builder origin(String origin) {
      options.header("Origin", origin);
      return this;
    }

    public Builder uri(String uri) {
      path = uri;
      return this;
    }

    public Builder protobuf() {
      binary = true;
      options.subprotocols("livedesk.protobuf");
      return this;
    }

    public WsClient open() {
      WsClient client = new WsClient(binary);
      try {
        client.socket = options.buildAsync(URI.create("ws://127.0.0.1:" + port + path), client.new Listener())
            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("cannot connect", e);
      }
      return client;
    }
  }

  /** Collects whole messages (the JDK hands them over in parts) and the close code. */
  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        String message = text.toString();
        text.setLength(0);
        try {
          frames.add(FrameCodec.fromJson(message));
        } catch (FrameException e) {
          undecodable.add(e.getMessage() + ": " + message);
        }
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      byte[] part = new byte[data.remaining()];
      data.get(part);
      bytes.writeBytes(part);
      if (last) {
        byte[] message = bytes.toByteArray();
        bytes.reset();
        try {
          frames.add(FrameCodec.fromBinary(message));
        } catch (FrameException e) {
          undecodable.add(e.getMessage() + ": " + message.length + " bytes");
        }
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      // The JDK reports a close frame without a code as 1005; the server always sends one.
      closeCode.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closeCode.complete(1006); // the connection ended without a close frame
    }
  }

  /** Sends in the connection's encoding, giving the frame an id when it has none; returns the id. */
  public String send(Frame frame) {
    Frame f = frame.getId().isEmpty() ? frame.toBuilder().setId("c" + ids.incrementAndGet()).build() : frame;
    if (binary) {
      sendBinary(f.toByteArray());
    } else {
      sendText(FrameCodec.toJson(f));
    }
    return f.getId();
  }

  public String send(Frame.Builder frame) {
    return send(frame.build());
  }

  public void sendText(String text) {
    write(() -> socket.sendText(text, true));
  }

  public void sendBinary(byte[] bytes) {
    write(() -> socket.sendBinary(ByteBuffer.wrap(bytes), true));
  }

  /**
   * One message at a time, as the JDK client requires. A write the server no longer reads (it
   * closed the connection) is not the test's failure: the close code tells what happened.
   */
  private synchronized void write(Supplier<CompletableFuture<WebSocket>> send) {
    if (closeCode.isDone()) {
      return;
    }
    try {
      send.get().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (!closeCode.isDone() && !socket.isOutputClosed()) {
        throw new IllegalStateException("cannot send", e);
      }
    }
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

  /** Closes as a client does (a close frame, the server's answer), dropping the connection if none comes. */
  @Override
  public void close() {
    if (!closeCode.isDone()) {
      try {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        closeCode.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        // the server did not answer the close: dropped below
      }
    }
    socket.abort();
  }
}
