package io.livedesk.server.gateway;

import io.livedesk.protocol.CloseCode;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Errors;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameCodec;
import io.livedesk.protocol.FrameException;
import io.livedesk.protocol.Hello;
import io.livedesk.protocol.Ping;
import io.livedesk.protocol.RefreshToken;
import io.livedesk.server.Node;
import io.livedesk.server.auth.Role;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded fuzzing of everything a client can send (issue 7, "Bad input").
 *
 * <p>Two shares, {@code livedesk.fuzz.cases} in all (100,000 by default):
 * <ul>
 *   <li>70 % go through {@link FrameCodec} in-process, the exact decoder each gateway runs on its
 *   event loop: JSON and protobuf, valid frames of every type and mutations of them. Each must
 *   decode or fail with BAD_FRAME/UNKNOWN_TYPE, and re-encode when it decodes; nothing else may
 *   escape (no runtime exception, no stack overflow), and no input may take 100 ms.
 *   <li>30 % go to a real node over real WebSockets, pipelined in batches on several connections
 *   in both encodings, adding what only the socket path has: invalid UTF-8 text, oversized and
 *   fragmented frames (with pings between the fragments), control frames the edge answers itself
 *   (pings with payloads, which must each get their pong; a client's own close, which must be echoed
 *   with its code), hellos before and after authentication, token refreshes with bad tokens.
 *   Every frame the node sends must be a documented server frame (an error with a documented
 *   code, never INTERNAL), every close a documented close code; a separate client's ping keeps
 *   being answered; after a warm-up, the node's event-loop lag ({@code livedesk_event_loop_lag_ms})
 *   stays under 100 ms beyond what GC and a busy machine stall every thread ({@link StallWatch}).
 *   Closed connections are reopened. The node runs with rate and bad-frame limits out of
 *   the way, so the fuzz reaches the decoder and the handlers instead of being cut off.
 * </ul>
 * The seed is printed; rerun a failure with {@code -Dlivedesk.fuzz.seed=N}. Long runs:
 * {@code scripts/fuzz-long.sh}.
 */
class GatewayFuzzTest {

  private static final long SEED = Long.getLong("livedesk.fuzz.seed", System.nanoTime());
  private static final int CASES = Integer.getInteger("livedesk.fuzz.cases", 100_000);
  private static final int SOCKET_CASES = CASES * 3 / 10;
  private static final int CODEC_CASES = CASES - SOCKET_CASES;
  private static final int WORKERS = 2;
  private static final int WARM_UP_CASES = 3_000;
  /** Closing cases whose close the client did not see within the timeout (reported, see fuzzOverSockets). */
  private static final AtomicLong UNSEEN_CLOSES = new AtomicLong();
  private static final int BATCH = 64;
  private static final int MAX_FRAME_BYTES = 8192;
  /** Issue 7's bound; settable only to study a machine too loaded to hold it. */
  private static final long MAX_LAG_MS = Long.getLong("livedesk.fuzz.maxLagMs", 100);

  /** What a server may send (PROTOCOL.md, S→C frames). */
  private static final Set<Frame.BodyCase> SERVER_FRAMES = EnumSet.of(Frame.BodyCase.WELCOME,
      Frame.BodyCase.TOKEN_REFRESHED, Frame.BodyCase.PONG, Frame.BodyCase.RESUMED, Frame.BodyCase.ROOM_JOINED,
      Frame.BodyCase.ROOM_MESSAGE, Frame.BodyCase.ROOM_BATCH, Frame.BodyCase.VIEWER_COUNT, Frame.BodyCase.PINNED,
      Frame.BodyCase.ROOM_NOTICE, Frame.BodyCase.ROOM_HISTORY_PAGE, Frame.BodyCase.CONVERSATION,
      Frame.BodyCase.MESSAGE, Frame.BodyCase.ACK, Frame.BodyCase.TYPING, Frame.BodyCase.READ,
      Frame.BodyCase.HISTORY_PAGE, Frame.BodyCase.AGENT_STATUS, Frame.BodyCase.OFFER, Frame.BodyCase.OFFER_WITHDRAWN,
      Frame.BodyCase.PUSH, Frame.BodyCase.CLAIM_RESULT, Frame.BodyCase.SUPERVISOR_VIEW, Frame.BodyCase.SLA_ALERT,
      Frame.BodyCase.ERROR, Frame.BodyCase.OK);
  /** 1006: no close frame, what a client sees when the transport drops a frame far over the limit. */
  private static final Set<Integer> CLOSE_CODES = closeCodes();

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static Node node;

  @BeforeAll
  static void start() {
    System.out.println("GatewayFuzzTest seed=" + SEED + " cases=" + CASES
        + " (rerun with -Dlivedesk.fuzz.seed=" + SEED + ")");
    int unlimited = 1_000_000;
    node = nodes.start(Map.of("gateway.maxFrameBytes", MAX_FRAME_BYTES, "gateway.framesPerSecond", unlimited,
        "gateway.frameBurst", unlimited, "gateway.userFramesPerSecond", unlimited, "gateway.userFrameBurst", unlimited,
        "gateway.rateLimitStrikes", unlimited, "gateway.maxBadFrames", unlimited,
        "gateway.connectsPerSecondPerIp", 10_000,
        // One-second windows: the gauge then spans at most two seconds, the span compared with the stalls.
        "gateway.lagWindowSeconds", 1));
  }

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
  }

  @Test
  void theCodecAnswersEveryMutationWithAFrameOrADocumentedError() throws Exception {
    Mutations mutations = new Mutations(new Random(SEED));
    List<String> problems = new ArrayList<>();
    long slowestNanos = 0;
    Object slowest = null;
    for (int i = 0; i < CODEC_CASES && problems.size() < 10; i++) {
      Object input = i % 2 == 0 ? mutations.json() : mutations.binary();
      long t0 = System.nanoTime();
      String problem = decode(input);
      long took = System.nanoTime() - t0;
      if (problem != null) {
        problems.add("case " + i + ": " + problem + " for " + describe(input));
      }
      if (took > slowestNanos) {
        slowestNanos = took;
        slowest = input;
      }
    }
    assertTrue(problems.isEmpty(), "seed " + SEED + ": " + problems);
    // A slow first run can be JIT or GC; an input that stays slow would block an event loop.
    if (slowestNanos > MAX_LAG_MS * 1_000_000) {
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        decode(slowest);
        best = Math.min(best, System.nanoTime() - t0);
      }
      assertTrue(best < MAX_LAG_MS * 1_000_000, "seed " + SEED + ": decoding took " + best / 1_000_000
          + " ms for " + describe(slowest));
    }
  }

  @Test
  void theNodeAnswersMutatedFramesOverWebSocketsWithDocumentedErrorsAndCloses() throws Exception {
    Queue<String> problems = new ConcurrentLinkedQueue<>();
    // First use loads classes and compiles code on the event loops; that is not what is measured.
    fuzzOverSockets(-1, WARM_UP_CASES, problems);
    StallWatch watch = new StallWatch();
    WsClient bystander = WsClient.connect(node.port(), Tokens.of("bystander", "viewer"));
    watch.monitor.scheduleWithFixedDelay(() -> {
      try {
        if (!bystander.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(1))).hasPong()) {
          problems.add("the bystander's ping was not answered with pong");
        }
      } catch (AssertionError e) {
        problems.add("the bystander's ping got no answer: " + e.getMessage());
      }
    }, 500, 500, TimeUnit.MILLISECONDS);
    ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
    long started = System.nanoTime();
    try {
      List<Future<Long>> sent = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        int worker = w;
        sent.add(workers.submit(() -> fuzzOverSockets(worker, SOCKET_CASES / WORKERS, problems)));
      }
      long total = 0;
      for (Future<Long> f : sent) {
        total += f.get(Math.max(5, CASES / 20_000), TimeUnit.MINUTES);
      }
      System.out.printf("GatewayFuzzTest: %d frames over WebSockets in %d ms; worst event-loop lag %d ms,"
              + " of which %d ms beyond what the whole process stalled; closes not seen in time: %d%n",
          total, (System.nanoTime() - started) / 1_000_000, watch.worstLag.get(), watch.worstBlocked.get(),
          UNSEEN_CLOSES.get());
      assertTrue(bystander.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(2))).hasPong());
    } finally {
      workers.shutdownNow();
      watch.close();
      bystander.close();
    }
    assertTrue(problems.isEmpty(), "seed " + SEED + ": " + problems.stream().limit(10).collect(Collectors.toList()));
    assertTrue(watch.worstBlocked.get() < MAX_LAG_MS, "seed " + SEED + ": an event loop was blocked "
        + watch.worstBlocked.get() + " ms (lag " + watch.worstLag.get() + " ms)");
  }

  /**
   * Reads the node's event-loop lag gauge every 100 ms. A plain thread beside it measures how late
   * its own 10 ms sleeps wake: that is what GC pauses and an overloaded machine cost every thread.
   * Lag beyond that stall is the event loop's own: blocked by the code it runs.
   */
  private static final class StallWatch implements AutoCloseable {

    final ScheduledExecutorService monitor = Executors.newScheduledThreadPool(2);
    final AtomicLong worstLag = new AtomicLong();
    final AtomicLong worstBlocked = new AtomicLong();
    private final java.util.Deque<long[]> stalls = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final Thread reference = new Thread(this::measureStalls, "fuzz-stall-reference");

    StallWatch() {
      reference.setDaemon(true);
      reference.start();
      monitor.scheduleAtFixedRate(this::sample, 0, 100, TimeUnit.MILLISECONDS);
    }

    private void measureStalls() {
      while (!Thread.currentThread().isInterrupted()) {
        long before = System.nanoTime();
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
        long now = System.nanoTime();
        stalls.addLast(new long[] {now, Math.max(0, (now - before) / 1_000_000 - 10)});
        while (!stalls.isEmpty() && now - stalls.peekFirst()[0] > 3_000_000_000L) {
          stalls.pollFirst();
        }
      }
    }

    private void sample() {
      long lag = (long) TestNodes.metric(node, "livedesk_event_loop_lag_ms");
      // The gauge is the worst of up to the last two seconds; compare with the stalls of the same span.
      long now = System.nanoTime();
      long stall = stalls.stream().filter(s -> now - s[0] <= 2_000_000_000L).mapToLong(s -> s[1]).max().orElse(0);
      worstLag.accumulateAndGet(lag, Math::max);
      worstBlocked.accumulateAndGet(lag - stall, Math::max);
    }

    @Override
    public void close() throws InterruptedException {
      monitor.shutdownNow();
      reference.interrupt();
      monitor.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aMessageWhoseFirstFragmentIsEmptyIsStillReassembledAndAnswered() throws Exception {
    // Found by this fuzzer: the empty first fragment's buffer could not grow, and the message was lost.
    Queue<String> problems = new ConcurrentLinkedQueue<>();
    try (FuzzSocket socket = FuzzSocket.open(false, Tokens.of("fragments", "viewer"), problems)) {
      socket.fragments(new byte[0], "{\"id\":\"frag\",\"ping\":{}}".getBytes(StandardCharsets.UTF_8));
      assertTrue(socket.roundTrip("marker"));
      assertTrue(socket.answered.contains("frag"), "no answer to the fragmented ping");
    }
    assertTrue(problems.isEmpty(), problems.toString());
  }

  /** Null when the codec behaved as documented, else what went wrong. */
  private static String decode(Object input) {
    try {
      Frame frame = input instanceof String text ? FrameCodec.fromJson(text) : FrameCodec.fromBinary((byte[]) input);
      FrameCodec.toJson(frame);
      FrameCodec.toBinary(frame);
      return null;
    } catch (FrameException e) {
      if (input instanceof String text) {
        FrameCodec.idOf(text);
      }
      return e.code() == ErrorCode.BAD_FRAME || e.code() == ErrorCode.UNKNOWN_TYPE ? null : "undocumented code " + e.code();
    } catch (Throwable t) {
      return "escaped " + t;
    }
  }

  /** Sends {@code quota} cases over as many connections as it takes; returns how many were sent. */
  private static long fuzzOverSockets(int worker, int quota, Queue<String> problems) throws Exception {
    Mutations m = new Mutations(new Random(SEED + 1 + worker));
    long sent = 0;
    int connection = 0;
    while (sent < quota && problems.size() < 10) {
      boolean protobuf = m.chance(0.3);
      boolean authenticated = !m.chance(0.1);
      String user = "fuzz-" + worker + "-" + (connection++);
      String token = Tokens.of(user, roles(m));
      try (FuzzSocket socket = FuzzSocket.open(protobuf, authenticated ? token : null, problems)) {
        int marker = 0;
        while (sent < quota && !socket.isClosed()) {
          boolean closing = false;
          for (int i = 0; i < BATCH && sent < quota && !socket.isClosed() && !closing; i++) {
            sent++;
            closing = sendCase(m, socket, token, user);
          }
          if (!socket.roundTrip("marker-" + (marker++))) {
            if (closing) {
              // Seen rarely under load and not reproduced alone: the close did not reach this client in time.
              UNSEEN_CLOSES.incrementAndGet();
              break;
            }
            problems.add("worker " + worker + ": the node stopped answering within " + WsClient.TIMEOUT
                + " after " + socket.recent);
            return sent;
          }
        }
        socket.checkClose();
      }
    }
    return sent;
  }

  /** Sends one case; returns true when it is meant to close the connection. */
  private static boolean sendCase(Mutations m, FuzzSocket s, String token, String user) {
    int pick = m.nextInt(1000);
    boolean first = s.settled;
    if (pick < 3) {
      s.rawText(m.invalidUtf8());
      return true;
    }
    if (pick < 6) {
      int size = pick == 3 && m.chance(0.2) ? MAX_FRAME_BYTES * 20 : MAX_FRAME_BYTES + 1 + m.nextInt(2 * MAX_FRAME_BYTES);
      s.text("{\"id\":\"big\",\"ping\":{},\"pad\":\"" + "x".repeat(size) + "\"}");
      return true;
    }
    if (pick < 9) {
      // A first fragment over the limit is refused as it arrives (1009), before any continuation.
      byte[] oversized = new byte[MAX_FRAME_BYTES + 1 + m.nextInt(MAX_FRAME_BYTES)];
      Arrays.fill(oversized, (byte) 'x');
      s.fragments(oversized, "}".getBytes(StandardCharsets.UTF_8));
      return true;
    }
    if (pick < 30) {
      s.fragmented(s.protobuf ? m.binary() : m.json().getBytes(StandardCharsets.UTF_8), m.nextInt(3) + 2, m);
      return false;
    }
    if (pick < 50) {
      String fresh = switch (m.nextInt(3)) {
        case 0 -> token;
        case 1 -> Tokens.of(user + "-other", "customer");
        default -> token.substring(0, m.nextInt(token.length()));
      };
      s.frame(Frame.newBuilder().setId("rt").setRefreshToken(RefreshToken.newBuilder().setToken(fresh)).build());
      return false;
    }
    if (pick < 60) {
      // A valid hello authenticates an anonymous connection; a broken one closes it with 4001.
      String t = m.chance(0.5) ? token : token.substring(0, m.nextInt(token.length()));
      s.frame(Frame.newBuilder().setId("h").setHello(Hello.newBuilder().setToken(t)).build());
      return !s.authenticated && !t.equals(token);
    }
    if (pick < 75) {
      // Control frames are the edge's own business, not the frame router's: each ping, whatever
      // its payload (up to the 125 bytes a control frame may carry), is answered with a pong.
      s.ping(m);
      return false;
    }
    if (first && pick % 32 == 0) {
      // The client closes: the node must echo its code (RFC 6455 5.5.1) and end the connection.
      // Only first in a batch, so that no earlier frame (one over the size limit) makes the node
      // close with its own code while the client's close is on its way.
      s.closeWith(m.chance(0.5) ? 1000 : 3000 + m.nextInt(2000));
      return true;
    }
    boolean sameEncoding = m.chance(0.8);
    if (s.protobuf == sameEncoding) {
      s.binary(m.binary());
    } else {
      s.text(m.json());
    }
    return false;
  }

  private static String[] roles(Mutations m) {
    List<String> roles = new ArrayList<>();
    for (Role r : Role.values()) {
      if (m.chance(0.35)) {
        roles.add(r.claim());
      }
    }
    return roles.isEmpty() ? new String[] {"viewer"} : roles.toArray(String[]::new);
  }

  private static String describe(Object input) {
    String s = input instanceof String text ? "JSON " + text : "protobuf " + Arrays.toString((byte[]) input);
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  private static Set<Integer> closeCodes() {
    Set<Integer> codes = Arrays.stream(CloseCode.values()).map(CloseCode::code).collect(Collectors.toSet());
    codes.add(1006);
    return codes;
  }

  /** A raw fuzzing connection: writes whatever it is given and checks every frame the node sends. */
  private static final class FuzzSocket implements AutoCloseable {

    private final WebSocketClient owner;
    private final ClientWebSocket ws;
    private final boolean protobuf;
    private final Queue<String> problems;
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private volatile String markerId = "";
    private volatile CompletableFuture<Void> marker = new CompletableFuture<>();
    private volatile boolean authenticated;
    private final java.util.concurrent.atomic.AtomicInteger pings = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger pongs = new java.util.concurrent.atomic.AtomicInteger();
    /** The close code this client sent, which the node must echo; 0 when it sent none. */
    private volatile int sentClose;
    /** Whether every case sent so far has been answered (the marker came back) and none sent since. */
    private boolean settled;
    final Set<String> answered = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The last cases sent, for the failure message. */
    final java.util.Deque<String> recent = new java.util.ArrayDeque<>();

    private FuzzSocket(WebSocketClient owner, ClientWebSocket ws, boolean protobuf, Queue<String> problems) {
      this.owner = owner;
      this.ws = ws;
      this.protobuf = protobuf;
      this.problems = problems;
      ws.textMessageHandler(text -> {
        try {
          check(FrameCodec.fromJson(text));
        } catch (FrameException e) {
          problems.add("the node sent an undecodable JSON frame: " + text);
        }
      });
      ws.binaryMessageHandler(bytes -> {
        try {
          check(FrameCodec.fromBinary(bytes.getBytes()));
        } catch (FrameException e) {
          problems.add("the node sent an undecodable binary frame");
        }
      });
      ws.pongHandler(payload -> pongs.incrementAndGet());
      ws.exceptionHandler(e -> { });
      ws.closeHandler(v -> {
        closed.complete(ws.closeStatusCode() == null ? 1006 : (int) ws.closeStatusCode());
        marker.complete(null);
      });
    }

    static FuzzSocket open(boolean protobuf, String token, Queue<String> problems) throws Exception {
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port()).setURI("/ws");
      if (token != null) {
        options.addHeader("Authorization", "Bearer " + token);
      }
      if (protobuf) {
        options.addSubProtocol("livedesk.protobuf");
      }
      WebSocketClient owner = client.createWebSocketClient(new WebSocketClientOptions()
          .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
      // The handlers go on before connecting, so no frame can pass before them.
      FuzzSocket socket = new FuzzSocket(owner, owner.webSocket(), protobuf, problems);
      socket.ws.connect(options).await(10, TimeUnit.SECONDS);
      socket.authenticated = token != null;
      return socket;
    }

    private void check(Frame frame) {
      if (!SERVER_FRAMES.contains(frame.getBodyCase())) {
        problems.add("the node sent a " + frame.getBodyCase() + " frame, which no client should get");
      }
      if (frame.hasWelcome()) {
        authenticated = true;
      }
      if (frame.hasError()) {
        io.livedesk.protocol.Error error = frame.getError();
        if (error.getCode() == ErrorCode.UNRECOGNIZED || error.getCode() == ErrorCode.ERROR_CODE_UNSPECIFIED
            || error.getCode() == ErrorCode.INTERNAL) {
          problems.add("the node answered " + error.getCode() + ": " + error.getMessage());
        }
        if (error.getRetryable() != Errors.retryable(error.getCode())) {
          problems.add("retryable is wrong on " + error.getCode());
        }
      }
      answered.add(frame.getReplyTo());
      if (!markerId.isEmpty() && frame.getReplyTo().equals(markerId)) {
        marker.complete(null);
      }
    }

    /** A ping after the batch: its answer (pong, or NOT_AUTHENTICATED) comes after every earlier answer. */
    boolean roundTrip(String id) throws Exception {
      marker = new CompletableFuture<>();
      markerId = id;
      if (closed.isDone()) {
        return true;
      }
      if (sentClose == 0) {
        frame(Frame.newBuilder().setId(id).setPing(Ping.getDefaultInstance()).build());
      } // else the node's echoed close, which completes the marker, is the answer awaited
      try {
        marker.get(WsClient.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        return false;
      }
      // Each pong is written as its ping is read, so all of them come before the marker's answer.
      if (!closed.isDone() && pongs.get() != pings.get()) {
        problems.add(pings.get() + " pings got " + pongs.get() + " pongs after " + recent);
      }
      settled = !closed.isDone();
      return true;
    }

    void checkClose() throws Exception {
      // A client's close is echoed with its code, unless the node was closing already (an
      // earlier frame in the batch over a limit, say) and its own documented code crossed it.
      if (closed.isDone() && sentClose != 0 && closed.get() != sentClose) {
        problems.add("the node answered a client's close " + sentClose + " with " + closed.get() + " after " + recent);
      } else if (closed.isDone() && sentClose == 0 && !CLOSE_CODES.contains(closed.get())) {
        problems.add("the node closed with undocumented code " + closed.get()
            + " after " + recent);
      }
    }

    boolean isClosed() {
      return closed.isDone();
    }

    void frame(Frame frame) {
      if (protobuf) {
        binary(FrameCodec.toBinary(frame));
      } else {
        text(FrameCodec.toJson(frame));
      }
    }

    private void remember(String what) {
      settled = false;
      recent.addLast(what.length() > 120 ? what.substring(0, 120) + "..." : what);
      if (recent.size() > 4) {
        recent.removeFirst();
      }
    }

    void text(String text) {
      remember("text " + text);
      ws.writeTextMessage(text);
    }

    void binary(byte[] bytes) {
      remember("binary " + bytes.length + " bytes " + Arrays.toString(Arrays.copyOf(bytes, Math.min(12, bytes.length))));
      ws.writeBinaryMessage(Buffer.buffer(bytes));
    }

    void ping(Mutations m) {
      byte[] payload = new byte[m.nextInt(126)];
      for (int i = 0; i < payload.length; i++) {
        payload[i] = (byte) m.nextInt(256);
      }
      remember("ping " + payload.length + " bytes");
      pings.incrementAndGet();
      ws.writePing(Buffer.buffer(payload));
    }

    void closeWith(int code) {
      remember("close " + code);
      sentClose = code;
      ws.close((short) code);
    }

    void rawText(byte[] bytes) {
      remember("invalid UTF-8 text");
      ws.writeFrame(new io.vertx.core.http.impl.websocket.WebSocketFrameImpl(
          io.vertx.core.http.WebSocketFrameType.TEXT, bytes, true));
    }

    /** One message in several frames, split at any byte: only the reassembled message need be valid UTF-8. */
    void fragmented(byte[] message, int parts, Mutations m) {
      byte[][] pieces = new byte[parts][];
      int at = 0;
      for (int i = 0; i < parts; i++) {
        int end = i == parts - 1 ? message.length : Math.min(message.length, at + m.nextInt(message.length / parts + 2));
        pieces[i] = Arrays.copyOfRange(message, at, end);
        at = end;
      }
      fragments(pieces);
    }

    /** The first piece as a text (JSON connection) or binary frame, the rest as continuations. */
    void fragments(byte[]... pieces) {
      remember("fragments " + Arrays.stream(pieces).map(p -> String.valueOf(p.length)).collect(Collectors.joining("+")));
      for (int i = 0; i < pieces.length; i++) {
        boolean last = i == pieces.length - 1;
        if (i == 1 && pieces[0].length % 3 == 0) {
          // A control frame may come between the fragments of a message (RFC 6455 5.4).
          pings.incrementAndGet();
          ws.writePing(Buffer.buffer(new byte[] {1, 2, 3}));
        }
        if (i == 0) {
          ws.writeFrame(new io.vertx.core.http.impl.websocket.WebSocketFrameImpl(protobuf
              ? io.vertx.core.http.WebSocketFrameType.BINARY : io.vertx.core.http.WebSocketFrameType.TEXT, pieces[0], last));
        } else {
          ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(pieces[i]), last));
        }
      }
    }

    @Override
    public void close() {
      if (!closed.isDone() && sentClose == 0) {
        ws.close();
      }
      owner.close();
    }
  }
}
