package io.livedesk.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Churn: how fast a node takes authenticated connects with resume on, and how long a reconnect
 * storm takes. First {@code --customers} customers each open a conversation (and leave). Then
 * {@code --viewers} viewers and those customers connect, at most {@code --concurrency}
 * handshakes in flight; a customer connects without a header token and sends {@code hello} with
 * its token and a resume cursor at 0, so it counts once every message of its conversation was
 * replayed and {@code resumed} arrived. Prints {@code READY}; the script then kills the node and
 * starts it again on the same port and data, and touches {@code --upFile} once {@code /health}
 * answers. Every session reconnects as the SDK does (backoff from 250 ms doubling to 5 s, full
 * jitter) and resumes; the result gives the time from the kill and from the node's return until
 * every session is back, and any resume that had a gap or a duplicate.
 *
 * <p>With {@code --warmup N}, N more viewers connect and leave before the measured connects, from
 * a source address of their own (their ports wait out TIME_WAIT apart from the measured ones):
 * both processes are fresh JVMs, and without it the measured connects shared the two cores with
 * both JIT compilers (C2 alone took 0.31 of the node's cores and 0.32 of this process's in the
 * connect phase). The storm still meets a fresh node: that is what a restart is.
 */
public final class Churn {

  private final Map<String, String> o;
  private final List<Session> sessions = new ArrayList<>();
  private final LongAdder attempts = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder badResumes = new LongAdder();
  private final Counts errorCodes = new Counts();
  private final AtomicLong firstClose = new AtomicLong();
  private final Histogram toReady = new Histogram();
  private final List<String> firstFailures = new CopyOnWriteArrayList<>();
  private volatile CountDownLatch back;
  /** Counts down as the warm-up's sessions, told to leave, are closed. */
  private volatile CountDownLatch gone;
  private volatile Semaphore handshakes;
  private volatile boolean storm;
  private WsClient client;
  private List<String> sourceIps;
  private URI url;
  private Tokens tokens;

  /** One churned session; a customer holds a conversation and how many messages it has. */
  private final class Session implements WsClient.Listener {
    final String user;
    final String role;
    /**
     * Minted once, before the measured connects, and sent on every reconnect: an SDK holds the
     * token its app got at login, so signing is no part of connecting, in the measured connects
     * or in a storm's retries (tens of thousands of attempts).
     */
    final String token;
    /** The source address to connect from; null for the kernel's choice. */
    final String from;
    String conversationId;
    volatile WsClient.Link link;
    /** Told to leave (the warm-up's sessions): its close is expected and it does not come back. */
    volatile boolean left;
    int replayed;
    long startedAt;
    int backoffMs = 250;
    boolean ready;

    Session(String user, String role) {
      this(user, role, sourceIps.isEmpty() ? null : sourceIps.get(Math.floorMod(user.hashCode(), sourceIps.size())));
    }

    Session(String user, String role, String from) {
      this.user = user;
      this.role = role;
      this.from = from;
      this.token = tokens.mint(user, role, 24 * 3600);
    }

    void connect() {
      attempts.increment();
      startedAt = System.nanoTime();
      replayed = 0;
      ready = false;
      client.connect(url.getHost(), url.getPort(), from, new WsClient.Upgrade(url.getRawPath(), "livedesk.json",
          conversationId == null ? List.of("Authorization: Bearer " + token) : List.of()), this);
    }

    @Override
    public void opened(WsClient.Link link) {
      this.link = link;
      if (conversationId != null) {
        JsonObject cursor = new JsonObject().put("conversationId", conversationId).put("lastSeq", 0);
        link.send(new JsonObject().put("id", "h").put("hello", new JsonObject().put("token", token)
            .put("resume", new JsonArray().add(cursor))).encode());
      }
    }

    @Override
    public void text(WsClient.Link link, String text) {
      frame(new JsonObject(text));
    }

    @Override
    public void closed(WsClient.Link link, int code, Throwable failure) {
      if (left) {
        gone.countDown();
        return;
      }
      if (failure == null) {
        closed();
        return;
      }
      refused.increment();
      if (firstFailures.size() < 5) {
        firstFailures.add(failure.toString());
      }
      retry();
    }

    void frame(JsonObject f) {
      if (f.containsKey("welcome") && conversationId == null) {
        done();
      } else if (f.containsKey("message")) {
        replayed++;
      } else if (f.containsKey("resumed")) {
        int last = f.getJsonObject("resumed").getJsonArray("cursors").getJsonObject(0).getInteger("lastSeq", 0);
        if (last != replayed) {
          badResumes.increment(); // a gap or a duplicate: every message after cursor 0 must come once
        }
        done();
      } else if (f.containsKey("error")) {
        errorCodes.inc(f.getJsonObject("error").getString("code", "?"));
      }
    }

    void done() {
      if (ready) {
        return;
      }
      ready = true;
      backoffMs = 250;
      toReady.recordNanos(System.nanoTime() - startedAt);
      if (!storm) {
        handshakes.release();
      }
      back.countDown();
    }

    void closed() {
      if (storm) {
        firstClose.compareAndSet(0, System.nanoTime());
        retry();
      }
    }

    /** The SDK's reconnect: full jitter over a backoff that doubles up to 5 s. */
    void retry() {
      if (!storm) {
        handshakes.release();
        back.countDown(); // counted as failed in the connect phase
        return;
      }
      long delay = ThreadLocalRandom.current().nextLong(backoffMs + 1);
      backoffMs = Math.min(backoffMs * 2, 5000);
      client.loops().schedule(this::connect, Math.max(1, delay), TimeUnit.MILLISECONDS);
    }
  }

  private Churn(Map<String, String> options) {
    this.o = options;
  }

  public static void main(String[] args) {
    Map<String, String> options = Cli.options(args);
    Cli.runAndExit(() -> new Churn(options).run(), options.getOrDefault("out", ""));
  }

  private Map<String, Object> run() throws Exception {
    url = URI.create(o.getOrDefault("url", "ws://127.0.0.1:8080/ws"));
    tokens = new Tokens(o.getOrDefault("secret", "livedesk-development-secret-do-not-use-in-production"), "livedesk", "livedesk");
    int viewers = num("viewers", 10_000);
    int customers = num("customers", 200);
    sourceIps = new ArrayList<>();
    for (int i = 0; i < num("sourceIps", 0); i++) {
      sourceIps.add(sourceIp(i));
    }
    client = new WsClient(num("eventLoops", 2));
    String run = Long.toString(System.currentTimeMillis(), 36);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("viewers", viewers);
    r.put("customers", customers);

    // Customers' conversations, written before the measured connects.
    List<DeskSession> askers = DeskSession.openMany(client, url, tokens, "ch-" + run + "-cust-", "customer", customers, 64);
    List<Session> withConversation = new ArrayList<>();
    for (DeskSession c : askers) {
      JsonObject answer = c.request("ask", new JsonObject().put("text", "human please: where is my parcel?")
          .put("clientMsgId", "q-" + c.user)).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      c.close();
      if (DeskSession.errorCode(answer) != null) {
        firstFailures.add(answer.encode());
        continue;
      }
      Session s = new Session(c.user, "customer");
      s.conversationId = answer.getJsonObject("conversation").getJsonObject("conversation").getString("id");
      withConversation.add(s);
    }
    r.put("conversationsOpened", withConversation.size());
    int concurrency = num("concurrency", 256);
    int warmup = num("warmup", 0);
    if (warmup > 0) {
      Map<String, Object> warm = warmUp("ch-" + run + "-warm-", warmup, concurrency);
      r.put("warmup", warm);
      System.out.println("WARM " + Json.write(warm));
      System.out.flush();
    }

    // The measured connects: viewers with a header token, customers with hello + resume.
    for (int i = 0; i < viewers; i++) {
      sessions.add(new Session("ch-" + run + "-viewer-" + i, "viewer"));
    }
    sessions.addAll(withConversation);
    Collections.shuffle(sessions);
    double connectSeconds = connectAll(sessions, concurrency);
    long ready = sessions.stream().filter(s -> s.ready).count();
    Map<String, Object> connect = new LinkedHashMap<>();
    connect.put("concurrency", concurrency);
    connect.put("sessionsReady", ready);
    connect.put("seconds", round(connectSeconds));
    connect.put("connectsPerSecond", round(ready / connectSeconds));
    connect.put("readyP50Ms", toReady.percentileMs(0.50));
    connect.put("readyP99Ms", toReady.percentileMs(0.99));
    connect.put("refused", refused.sum());
    connect.put("badResumes", badResumes.sum());
    connect.put("errorFrames", errorCodes.snapshotAndReset());
    r.put("connect", connect);
    System.out.println("READY " + Json.write(r));
    System.out.flush();

    // The storm: the script kills the node and starts it again; everyone comes back.
    resetCounts();
    storm = true;
    back = new CountDownLatch((int) ready);
    Path up = Path.of(o.getOrDefault("upFile", "/tmp/livedesk-churn-up"));
    long upAt = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(num("stormWaitSeconds", 600));
    while (back.getCount() > 0 && System.nanoTime() < deadline) {
      if (upAt == 0 && Files.exists(up)) {
        upAt = System.nanoTime();
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    long allBack = System.nanoTime();
    Map<String, Object> storm = new LinkedHashMap<>();
    storm.put("sessions", ready);
    storm.put("back", ready - back.getCount());
    storm.put("killToUpSeconds", upAt == 0 ? null : round((upAt - firstClose.get()) / 1e9));
    storm.put("upToAllBackSeconds", upAt == 0 ? null : round((allBack - upAt) / 1e9));
    storm.put("killToAllBackSeconds", round((allBack - firstClose.get()) / 1e9));
    storm.put("attempts", attempts.sum());
    storm.put("refusedAttempts", refused.sum());
    storm.put("badResumes", badResumes.sum());
    storm.put("errorFrames", errorCodes.snapshotAndReset());
    r.put("storm", storm);
    r.put("firstFailures", new ArrayList<>(firstFailures));
    return r;
  }

  /**
   * Connects the sessions, at most {@code concurrency} handshakes in flight; answers the seconds
   * until every one was ready or had failed (at most 300).
   */
  private double connectAll(List<Session> list, int concurrency) throws InterruptedException {
    handshakes = new Semaphore(concurrency);
    back = new CountDownLatch(list.size());
    long t0 = System.nanoTime();
    for (Session s : list) {
      handshakes.acquire();
      s.connect();
    }
    back.await(300, TimeUnit.SECONDS);
    return (System.nanoTime() - t0) / 1e9;
  }

  /**
   * Connects {@code count} viewers as the measured phase does, then closes them and waits until
   * they are gone; answers what it took. Not counted in the results that follow.
   */
  private Map<String, Object> warmUp(String prefix, int count, int concurrency) throws InterruptedException {
    String from = sourceIps.isEmpty() ? null : sourceIp(sourceIps.size());
    List<Session> warm = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      warm.add(new Session(prefix + i, "viewer", from));
    }
    double seconds = connectAll(warm, concurrency);
    long ready = warm.stream().filter(s -> s.ready).count();
    gone = new CountDownLatch((int) warm.stream().filter(s -> s.link != null).count());
    for (Session s : warm) {
      s.left = true;
      if (s.link != null) {
        s.link.close();
      }
    }
    gone.await(60, TimeUnit.SECONDS);
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("sessions", count);
    w.put("ready", ready);
    w.put("connectsPerSecond", round(ready / seconds));
    w.put("stillOpen", gone.getCount());
    resetCounts();
    return w;
  }

  /** The counts a phase reports, from zero for the next phase. */
  private void resetCounts() {
    toReady.reset();
    attempts.reset();
    refused.reset();
    badResumes.reset();
    errorCodes.snapshotAndReset();
  }

  /** The {@code i}th loopback source address (127.0.0.2 on), each with ports of its own. */
  private static String sourceIp(int i) {
    return "127.0.0." + (2 + i);
  }

  private int num(String name, int dflt) {
    return Integer.parseInt(o.getOrDefault(name, Integer.toString(dflt)));
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
