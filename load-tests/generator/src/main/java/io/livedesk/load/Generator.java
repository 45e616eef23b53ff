package io.livedesk.load;

import io.netty.buffer.ByteBuf;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Opens N authenticated WebSocket sessions against a running server, holds them idle, then
 * measures application ping round trips and, when asked, a room broadcast. Prints one
 * {@code RESULT {json}} line (and writes it to {@code --out}). Options are {@code --name value};
 * see {@link Options}.
 */
public final class Generator {

  private static final int OWN_PID = (int) ProcessHandle.current().pid();

  private final Options o;
  private final Wire wire;
  private final List<Conn> conns = new ArrayList<>();
  private final LongAdder ready = new LongAdder();
  private final LongAdder joined = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder closedEarly = new LongAdder();
  private final Counts closeCodes = new Counts();
  private final LongAdder errors = new LongAdder();
  private final LongAdder deliveries = new LongAdder();
  private final AtomicLong firstDelivery = new AtomicLong();
  private final AtomicLong lastDelivery = new AtomicLong();
  /** Pushes (coupons, prompts) received, and the wall-clock time of the first and the last. */
  private final LongAdder pushes = new LongAdder();
  private final AtomicLong firstPushAtMs = new AtomicLong();
  private final AtomicLong lastPushAtMs = new AtomicLong();
  private final Queue<String> firstFailures = new ConcurrentLinkedQueue<>();
  private final Histogram pingRtt = new Histogram();
  private final Histogram sayToReceipt = new Histogram();
  private volatile CountDownLatch joins;
  /** When the next broadcast step starts (nanoTime): steps follow a schedule, see {@link #awaitGo}. */
  private long nextStepAt;
  /** The first step starts this long after the go file was made: every process has seen it by then. */
  private static final long GO_LEAD_MS = 500;
  /** Kept at a step's end for its report, so that the next starts on time. */
  private static final long REPORT_MS = 300;

  private Generator(Options o) {
    this.o = o;
    this.wire = o.protocol.equals("socketio") ? new SocketIoWire() : new LivedeskWire();
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Cli.runAndExit(() -> new Generator(o).run(), o.out);
  }

  private Map<String, Object> run() throws Exception {
    WsClient client = new WsClient(o.eventLoops);
    URI url = URI.create(o.url);
    Tokens tokens = new Tokens(o.secret, o.issuer, o.audience);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("protocol", o.protocol);
    r.put("url", o.url);
    r.put("sessionsAsked", o.sessions);
    r.put("sourceIps", o.sourceIps);

    // Connect, at most `concurrency` handshakes in flight.
    Semaphore inFlight = new Semaphore(o.concurrency);
    joins = new CountDownLatch(o.room.isEmpty() ? 0 : o.sessions);
    long t0 = System.nanoTime();
    for (int i = 0; i < o.sessions; i++) {
      inFlight.acquire();
      Conn conn = new Conn(tokens.mint(o.userPrefix + (o.idOffset + i), o.role, o.tokenTtlSeconds));
      conns.add(conn);
      boolean[] released = {false};
      String from = o.sourceIps > 0 ? "127.0.0." + (o.sourceIpBase + i % o.sourceIps) : null;
      client.connect(url.getHost(), url.getPort(), from, wire.upgrade(url.getRawPath(), conn.token), new WsClient.Listener() {
        @Override
        public void opened(WsClient.Link link) {
          conn.link = link; // before any frame: the welcome handler joins the room through it
        }

        @Override
        public boolean message(WsClient.Link link, ByteBuf payload) {
          // a broadcast without a stamp (an event that is not one) goes on as text
          return wire.isBroadcast(payload) && delivered(payload);
        }

        @Override
        public void text(WsClient.Link link, String text) {
          onText(conn, text, released, inFlight);
        }

        @Override
        public void closed(WsClient.Link link, int code, Throwable failure) {
          conn.link = null;
          if (failure != null) {
            failed.increment();
            if (firstFailures.size() < 5) {
              firstFailures.add(failure.toString());
            }
            inFlight.release();
            return;
          }
          closedEarly.increment();
          closeCodes.inc(Integer.toString(code));
          if (!released[0]) {
            released[0] = true;
            failed.increment();
            inFlight.release();
          }
        }
      });
    }
    inFlight.acquire(o.concurrency);
    inFlight.release(o.concurrency);
    double connectSeconds = (System.nanoTime() - t0) / 1e9;
    r.put("sessionsReady", ready.sum());
    r.put("connectFailed", failed.sum());
    r.put("connectSeconds", round(connectSeconds));
    r.put("connectsPerSecond", round(ready.sum() / connectSeconds));
    if (!o.room.isEmpty()) {
      joins.await(60, TimeUnit.SECONDS);
      r.put("joined", joined.sum());
    }
    System.out.println("READY " + Json.write(r));
    System.out.flush();
    awaitGo();

    if (o.pingSeconds > 0) {
      pace(o.pingRate, o.pingSeconds, n -> conns.get((int) (n % conns.size())).send(wire.ping(System.nanoTime())));
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
      r.put("pingsAnswered", pingRtt.count());
      r.put("pingP50Ms", pingRtt.percentileMs(0.50));
      r.put("pingP99Ms", pingRtt.percentileMs(0.99));
      r.put("pingP999Ms", pingRtt.percentileMs(0.999));
    }
    if (o.listenSeconds > 0) {
      if (o.warmupSeconds > 0) {
        // Both JVMs compile the broadcast path during the first seconds of traffic; a warm-up
        // step at the first rate keeps that compile time out of the figures.
        Map<String, Object> warm = broadcast(Double.parseDouble(o.rates.split(",")[0].trim()), o.warmupSeconds);
        r.put("warmup", warm);
      }
      List<Map<String, Object>> steps = new ArrayList<>();
      for (String rate : o.rates.split(",")) {
        steps.add(broadcast(Double.parseDouble(rate.trim()), o.listenSeconds));
      }
      r.put("broadcast", steps);
    }
    r.put("pushesReceived", pushes.sum());
    r.put("firstPushAtMs", firstPushAtMs.get());
    r.put("lastPushAtMs", lastPushAtMs.get());
    r.put("closedByServer", closedEarly.sum());
    r.put("closeCodes", closeCodes.snapshot());
    r.put("errorFrames", errors.sum());
    r.put("firstFailures", new ArrayList<>(firstFailures));
    return r;
  }

  /**
   * One step of the broadcast: {@code rate} messages a second into the room from the first
   * {@code senders} sessions for {@code listenSeconds}, then {@code drainSeconds} to receive the rest.
   */
  private Map<String, Object> broadcast(double rate, double seconds) {
    int senders = Math.min(o.senders, conns.size());
    long dropped0 = ServerMetrics.dropped(o.metricsUrl);
    long start = nextStepAt;
    nextStepAt = start + (long) ((seconds + o.drainSeconds) * 1e9);
    LockSupport.parkNanos(start - System.nanoTime());
    deliveries.reset();
    sayToReceipt.reset();
    firstDelivery.set(0);
    lastDelivery.set(0);
    long cpu0 = ServerCpu.ticks(o.serverPid);
    long ownCpu0 = ServerCpu.ticks(OWN_PID);
    long sent = 0;
    if (senders > 0) {
      sent = pace(rate, seconds, n -> conns.get((int) (n % senders)).send(wire.say(o.room, Wire.stamp(System.nanoTime()))));
    }
    // the step's report (the node's metrics over HTTP among it) is made before the next one starts
    long until = nextStepAt - TimeUnit.MILLISECONDS.toNanos(REPORT_MS);
    LockSupport.parkNanos(Math.max(0, until - System.nanoTime()));
    long d = deliveries.sum();
    double elapsed = (System.nanoTime() - start) / 1e9;
    double window = (lastDelivery.get() - firstDelivery.get()) / 1e9;
    double cpuSeconds = (ServerCpu.ticks(o.serverPid) - cpu0) / ServerCpu.TICKS_PER_SECOND;
    Map<String, Object> step = new LinkedHashMap<>();
    step.put("sendRate", rate);
    step.put("senders", senders);
    step.put("sent", sent);
    // every viewer (the senders included) should receive every message said
    step.put("expectedDeliveries", sent * joined.sum());
    step.put("deliveries", d);
    step.put("deliveryWindowSeconds", round(window));
    step.put("deliveriesPerSecond", window > 0 ? round(d / window) : 0);
    step.put("sayToReceiptP50Ms", sayToReceipt.percentileMs(0.50));
    step.put("sayToReceiptP90Ms", sayToReceipt.percentileMs(0.90));
    step.put("sayToReceiptP95Ms", sayToReceipt.percentileMs(0.95));
    step.put("sayToReceiptP99Ms", sayToReceipt.percentileMs(0.99));
    if (o.serverPid > 0) {
      step.put("serverCpuCores", round(cpuSeconds / elapsed));
    }
    // The generator shares the machine: when it is the one saturated, latency is its own queueing.
    step.put("generatorCpuCores", round((ServerCpu.ticks(OWN_PID) - ownCpu0) / ServerCpu.TICKS_PER_SECOND / elapsed));
    if (dropped0 >= 0) {
      // Frames the server dropped for full sockets, each carrying one or more messages.
      step.put("serverFramesDropped", ServerMetrics.dropped(o.metricsUrl) - dropped0);
    }
    System.out.println("STEP " + Json.write(step));
    return step;
  }

  private void onText(Conn conn, String text, boolean[] released, Semaphore inFlight) {
    switch (wire.onText(conn, text)) {
      case READY -> {
        if (!released[0]) {
          released[0] = true;
          ready.increment();
          inFlight.release();
          if (!o.room.isEmpty()) {
            conn.send(wire.join(o.room));
          }
        }
      }
      case JOINED -> {
        joined.increment();
        joins.countDown();
      }
      case PONG -> {
        long sent = Wire.numberAfter(text, "clientTime\":\"", 0);
        if (sent > 0) {
          pingRtt.recordNanos(System.nanoTime() - sent);
        }
      }
      case PUSH -> {
        long now = System.currentTimeMillis();
        pushes.increment();
        firstPushAtMs.compareAndSet(0, now);
        lastPushAtMs.accumulateAndGet(now, Math::max);
      }
      case ERROR -> {
        errors.increment();
        if (firstFailures.size() < 5) {
          firstFailures.add(text.length() > 300 ? text.substring(0, 300) : text);
        }
      }
      default -> { }
    }
  }

  /** A broadcast frame: one delivery per stamp in it (a batch carries several), read from the bytes; false when it has none. */
  private boolean delivered(ByteBuf payload) {
    long now = System.nanoTime();
    int n = 0;
    for (int at = Wire.nextStamp(payload, payload.readerIndex()); at >= 0; at = Wire.nextStamp(payload, at + Wire.STAMP.length())) {
      long sent = Wire.stampAt(payload, at);
      if (sent > 0) {
        sayToReceipt.recordNanos(now - sent);
        n++;
      }
    }
    if (n == 0) {
      return false;
    }
    deliveries.add(n);
    firstDelivery.compareAndSet(0, now);
    lastDelivery.set(now);
    return true;
  }

  /** Holds the sessions idle until the measuring script creates the go file (or its wait runs out). */
  private void awaitGo() {
    nextStepAt = System.nanoTime();
    if (o.goFile.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + (long) (o.goWaitSeconds * 1e9);
    while (!Files.exists(Path.of(o.goFile)) && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    try {
      // Every process stepping in time starts its steps from the go file's time, not from when it
      // saw the file: each seeing it up to a poll late, and each step's reporting taking its own
      // while, a talker ran ahead of a listener by up to ~0.4 s a step, and a 10 msgs/s window
      // caught the first 200 msgs/s of the next step (a probe counted 230 deliveries of 149 sent).
      long goMs = Files.getLastModifiedTime(Path.of(o.goFile)).toMillis();
      nextStepAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(goMs + GO_LEAD_MS - System.currentTimeMillis());
    } catch (java.io.IOException e) {
      // no go file after all (the wait ran out): steps start now
    }
  }

  /** Calls {@code action} {@code perSecond} times a second for {@code seconds}, in 1 ms slices; returns the calls made. */
  static long pace(double perSecond, double seconds, java.util.function.LongConsumer action) {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long done = 0;
    while (true) {
      long now = System.nanoTime();
      if (now >= end) {
        return done;
      }
      long due = (long) ((now - start) / 1e9 * perSecond);
      while (done < due) {
        action.accept(done++);
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** Command-line options with their defaults. */
  static final class Options {
    String url = "ws://127.0.0.1:8080/ws";
    String protocol = "livedesk";
    String secret = "livedesk-development-secret-do-not-use-in-production";
    String issuer = "livedesk";
    String audience = "livedesk";
    String role = "viewer";
    String userPrefix = "load-";
    int idOffset = 0;
    int sessions = 1000;
    int sourceIps = 0;
    /** The first loopback source address used when sourceIps > 0 (127.0.0.sourceIpBase, ...). */
    int sourceIpBase = 2;
    int concurrency = 256;
    int eventLoops = 2;
    long tokenTtlSeconds = 3600;
    String room = "";
    int senders = 0;
    String rates = "10";
    int serverPid = 0;
    double listenSeconds = 0;
    double drainSeconds = 3;
    double warmupSeconds = 0;
    String metricsUrl = "";
    double pingRate = 200;
    double pingSeconds = 10;
    String goFile = "";
    double goWaitSeconds = 600;
    String out = "";

    static Options parse(String[] args) throws Exception {
      Options o = new Options();
      for (int i = 0; i + 1 < args.length; i += 2) {
        String name = args[i].replaceFirst("^--", "");
        var field = Options.class.getDeclaredField(name);
        String v = args[i + 1];
        Class<?> t = field.getType();
        field.set(o, t == int.class ? Integer.parseInt(v) : t == long.class ? Long.parseLong(v)
            : t == double.class ? Double.parseDouble(v) : v);
      }
      if (args.length % 2 != 0) {
        throw new IllegalArgumentException("options come in pairs: --name value");
      }
      return o;
    }
  }
}
