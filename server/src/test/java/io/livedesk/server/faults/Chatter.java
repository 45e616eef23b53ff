package io.livedesk.server.faults;

import io.livedesk.protocol.ConversationCursor;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Resume;
import io.livedesk.protocol.Send;
import io.livedesk.server.Node;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * A customer who keeps writing in one conversation, on a thread of its own, as a real client
 * would: each message has a client id and is resent (same id) until acknowledged; a retryable
 * error waits and retries; a lost connection reconnects to a live node, resumes from the last
 * sequence number seen without a gap, then resends what was not acknowledged. It records what
 * a test checks: every ack, every message frame, every error, and every resume.
 */
final class Chatter implements AutoCloseable {

  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(60);

  /** One message and, once acked, its seq and when; sentAt is the first attempt. */
  record Sent(String clientMsgId, long sentAt, int seq, long ackedAt) {
  }

  /** A resume after a reconnect: the cursor sent, the seqs that came back, the seq Resumed reported. */
  record Resumed(int cursor, List<Integer> replayed, int reported) {
  }

  final String userId;
  final String conversationId;
  private final Supplier<Node> liveNode;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile WsClient ws;

  final Map<String, Sent> acked = new ConcurrentHashMap<>();
  /** Every seq delivered to this customer in a message frame, in arrival order (live and replayed). */
  final Queue<Integer> delivered = new ConcurrentLinkedQueue<>();
  final Queue<Frame> errors = new ConcurrentLinkedQueue<>();
  final Queue<Resumed> resumes = new ConcurrentLinkedQueue<>();
  final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

  /** Starts writing at once; {@code seen} is the last seq the customer saw when asking. */
  Chatter(WsClient ws, String userId, String conversationId, int seen, Supplier<Node> liveNode) {
    this.ws = ws;
    this.userId = userId;
    this.conversationId = conversationId;
    this.liveNode = liveNode;
    for (int s = 1; s <= seen; s++) {
      delivered.add(s);
    }
    this.thread = new Thread(this::run, "chatter-" + userId);
    thread.start();
  }

  private void run() {
    int n = 0;
    try {
      while (running) {
        String clientMsgId = userId + "-" + (++n);
        long sentAt = System.currentTimeMillis();
        while (running && !acked.containsKey(clientMsgId)) {
          attempt(clientMsgId, sentAt);
        }
      }
    } catch (Throwable t) {
      failures.add(t);
    }
  }

  /** One attempt to get one message acked; returns when acked, refused, or the connection changed. */
  private void attempt(String clientMsgId, long sentAt) throws InterruptedException {
    WsClient c = ws;
    String id = c.send(Frame.newBuilder().setSend(Send.newBuilder().setConversationId(conversationId)
        .setClientMsgId(clientMsgId).setText("message " + clientMsgId)));
    long giveUp = System.nanoTime() + ANSWER_WITHIN.toNanos();
    while (System.nanoTime() < giveUp) {
      Frame f = next(c);
      if (f == null) {
        if (c.isClosed()) {
          reconnect();
          return;
        }
        continue;
      }
      if (!f.getReplyTo().equals(id)) {
        continue;
      }
      if (f.hasAck()) {
        acked.put(clientMsgId, new Sent(clientMsgId, sentAt, f.getAck().getSeq(), System.currentTimeMillis()));
      } else if (f.hasError() && f.getError().getRetryable()) {
        errors.add(f);
        Thread.sleep(Math.min(200, f.getError().getRetryAfterMs())); // the client backs off as the error says
      } else {
        errors.add(f);
        throw new AssertionError(userId + " got a non-retryable answer: " + f);
      }
      return;
    }
    throw new AssertionError(userId + " had no answer to " + clientMsgId + " within " + ANSWER_WITHIN);
  }

  /** The next frame within the poll interval, or null; message frames of the conversation are recorded. */
  private Frame next(WsClient c) {
    Frame f;
    try {
      f = c.await(x -> true, POLL);
    } catch (AssertionError timeout) {
      return null;
    }
    if (f.hasMessage() && f.getMessage().getConversationId().equals(conversationId)) {
      delivered.add(f.getMessage().getSeq());
    }
    return f;
  }

  /** To another node, resuming from the highest seq below which nothing is missing. */
  private void reconnect() {
    Node node = liveNode.get();
    WsClient c = WsClient.connect(node.port(), Tokens.of(userId, "customer"));
    int cursor = contiguous();
    String id = c.send(Frame.newBuilder().setResume(Resume.newBuilder().addCursors(
        ConversationCursor.newBuilder().setConversationId(conversationId).setLastSeq(cursor))));
    List<Integer> replayed = new ArrayList<>();
    while (true) {
      Frame f = c.await(x -> x.hasMessage() || x.getReplyTo().equals(id));
      if (f.hasMessage()) {
        replayed.add(f.getMessage().getSeq());
        delivered.add(f.getMessage().getSeq());
        continue;
      }
      if (!f.hasResumed()) {
        throw new AssertionError(userId + " could not resume: " + f);
      }
      resumes.add(new Resumed(cursor, replayed, f.getResumed().getCursors(0).getLastSeq()));
      break;
    }
    WsClient old = ws;
    ws = c;
    old.close();
  }

  /** The last seq such that every seq up to it was delivered. */
  int contiguous() {
    java.util.Set<Integer> seen = new java.util.HashSet<>(delivered);
    int s = 0;
    while (seen.contains(s + 1)) {
      s++;
    }
    return s;
  }

  /** How often each seq was delivered. */
  Map<Integer, Integer> deliveries() {
    Map<Integer, Integer> count = new TreeMap<>();
    delivered.forEach(s -> count.merge(s, 1, Integer::sum));
    return count;
  }

  long errorsOf(ErrorCode code) {
    return errors.stream().filter(f -> f.getError().getCode() == code).count();
  }

  /** Stops after the message in flight is acked. */
  void stop() throws InterruptedException {
    running = false;
    thread.join(ANSWER_WITHIN.toMillis() + 5000);
  }

  /** Reads what is still arriving until seq {@code last} was delivered (or the wait ends). */
  void drainUntil(int last, Duration within) {
    long until = System.nanoTime() + within.toNanos();
    while (!delivered.contains(last) && System.nanoTime() < until) {
      next(ws);
    }
  }

  @Override
  public void close() {
    running = false;
    ws.close();
  }
}
