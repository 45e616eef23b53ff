package io.livedesk.server.gateway;

import io.livedesk.protocol.CloseCode;
import io.livedesk.protocol.Frame;
import io.livedesk.server.auth.Principal;
import io.livedesk.server.metrics.Metrics;
import io.vertx.core.buffer.Buffer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One WebSocket connection. Kept small on purpose: an idle session must cost a few kilobytes
 * of heap at most. Concerns keep their own per-session state in their own maps.
 */
public final class Session {

  private final String id;
  private final Link link;
  private final Encoding encoding;
  private final Metrics metrics;
  private volatile Principal principal;
  private volatile boolean closed;
  /** Bytes handed to the socket and not yet written to the network; writes may come from any thread. */
  private final AtomicLong pendingBytes = new AtomicLong();
  /** Past it best-effort frames are dropped (gateway.maxPendingWrites). */
  private final int maxPendingWrites;
  private final long maxPendingBytes;

  // Touched only on the session's event loop.
  long lastReceivedAt;
  long lastPingAt;
  final TokenBucket rate;
  int rateStrikes;
  int badFrames;
  long helloTimer = -1;
  Buffer partial;
  boolean partialIsText;

  Session(String id, Link link, Encoding encoding, Metrics metrics, TokenBucket rate, long now,
          int maxPendingWrites, long maxPendingBytes) {
    this.id = id;
    this.maxPendingWrites = maxPendingWrites;
    this.maxPendingBytes = maxPendingBytes;
    this.link = link;
    this.encoding = encoding;
    this.metrics = metrics;
    this.lastReceivedAt = now;
    this.rate = rate;
  }

  public String id() {
    return id;
  }

  /** The verified user; null until the session is authenticated. */
  public Principal principal() {
    return principal;
  }

  public String userId() {
    Principal p = principal;
    return p == null ? null : p.userId();
  }

  public Encoding encoding() {
    return encoding;
  }

  public boolean isOpen() {
    return !closed;
  }

  void authenticate(Principal principal) {
    this.principal = principal;
  }

  /**
   * Writes a frame that must not be lost while the connection lives (1:1 messages, pushes,
   * answers). A client that reads too slowly cannot make the node queue without bound: past
   * maxPendingBytes the connection is closed with 4011, and the client resumes after reconnecting.
   */
  public void send(Frame frame) {
    send(new Outgoing(frame));
  }

  public void send(Outgoing out) {
    if (closed) {
      return;
    }
    boolean text = encoding == Encoding.JSON;
    byte[] payload = payload(out);
    int size = payload.length;
    if (pendingBytes.addAndGet(size) > maxPendingBytes) {
      pendingBytes.addAndGet(-size);
      metrics.dropped(out.frame().getBodyCase());
      close(CloseCode.SLOW_CONSUMER);
      return;
    }
    // A write to a connection the peer has closed meanwhile fails, and still runs its callback.
    Runnable written = () -> pendingBytes.addAndGet(-size);
    if (out.many()) {
      link.writeFramed(out.wire(text), written);
    } else {
      link.write(text, payload, written);
    }
    metrics.frameOut(out.frame().getBodyCase());
  }

  /**
   * Writes a best-effort frame (room chat): dropped and counted when the bytes queued to the
   * socket are over gateway.maxPendingWrites, so a slow consumer cannot make the node buffer
   * without limit. Returns whether it was written.
   */
  public boolean offer(Outgoing out) {
    return offer(out, pendingBytes.get());
  }

  /**
   * As {@link #offer(Outgoing)}, judged by the bytes that were queued before a run of writes to this
   * socket began ({@link #queuedBytes()} then): a room's flush of several frames is taken whole by a
   * socket that was keeping up. On io_uring a write stays queued until the loop reaps its
   * completion, after the turn that made it, so counting the flush's own first frames made a fast
   * reader shed the rest. A best-effort frame never takes the socket past maxPendingBytes: it is
   * dropped there rather than closing the connection.
   */
  public boolean offer(Outgoing out, long queuedBefore) {
    if (closed) {
      return false;
    }
    if (queuedBefore >= maxPendingWrites || pendingBytes.get() + payload(out).length > maxPendingBytes) {
      metrics.dropped(out.frame().getBodyCase());
      return false;
    }
    send(out);
    return true;
  }

  /** The frame in this connection's encoding (encoded once per encoding, however many sockets). */
  private byte[] payload(Outgoing out) {
    return encoding == Encoding.JSON ? out.json() : out.binary();
  }

  /** Bytes written to this socket that the network has not taken yet (on io_uring: whose completion was not reaped yet). */
  public long queuedBytes() {
    return pendingBytes.get();
  }

  public void close(CloseCode code) {
    if (closed) {
      return;
    }
    closed = true;
    link.close(code.code(), code.reason());
  }

  void markClosed() {
    closed = true;
  }

  Link link() {
    return link;
  }
}
