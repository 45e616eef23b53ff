package io.livedesk.server.routing;

import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.protocol.SlaOutcome;
import io.livedesk.server.metrics.Metrics;
import io.livedesk.server.presence.Agent;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The dispatch decision alone, in process: the routing core on in-memory shared maps and a
 * record that answers at once, so what is timed is the dispatcher's own work per request (the
 * decision, its bookkeeping and the JSON of its write-through), not the network or MongoDB.
 * 500 agents, all at capacity, 2,000 conversations waiting; traffic of 200 asks a second, each
 * matched by a close (a seat frees: the most urgent waiting conversation is offered) and the
 * accept of that offer. Prints p50/p99/max per kind of request.
 *
 * <pre>load-tests/bench/dispatch-decision.sh</pre> (or run this class's main on the test classpath;
 * arguments: seconds of traffic, default 60).
 */
public final class DispatchDecisionBenchmark {

  private static final int AGENTS = 500;
  private static final int CAPACITY = 3;
  private static final int WAITING = 2_000;
  private static final int ASKS_PER_SECOND = 200;
  private static final String[] TIERS = {"urgent", "normal", "low"};
  private static final long[] BUDGETS = {10_000, 30_000, 120_000};

  public static void main(String[] args) {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.livedesk.server.routing"))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    new DispatchDecisionBenchmark().run(seconds);
  }

  private final VirtualTimers timers = new VirtualTimers();
  private final Random random = new Random(42);
  private final List<String> offered = new ArrayList<>();
  private int next;
  private Routing routing;

  private void run(int seconds) {
    routing = new Routing(new Routing.Shared(new InMemorySharedMap(), new InMemorySharedMap(), new InMemorySharedMap(),
        new InMemorySharedMap()), RoutingSimulation.CONFIG, RoutingSimulation.PRESENCE, new InstantRecord(),
        new SlaCounts(new Metrics()), timers, (user, frame) -> {
          if (frame.hasOffer() && !frame.getOffer().getWarning()) {
            offered.add(user + "\n" + frame.getOffer().getOfferId());
          }
        }, () -> { }, () -> Set.of("n0"), Map::of);
    routing.takeOver().toCompletionStage().toCompletableFuture().join();
    // Fill every seat first (agents online before the queue builds), then the queue behind them.
    for (int i = 0; i < AGENTS; i++) {
      handle(new DispatchMessage.SetStatus("agent-" + i, PresenceStatus.ONLINE, CAPACITY, List.of(), "Agent " + i, "n0", 1));
    }
    for (int i = 0; i < AGENTS * CAPACITY + WAITING; i++) {
      handle(ask());
      acceptOffers();
    }
    System.out.printf("setup: %d agents x %d seats, %d held, %d waiting%n", AGENTS, CAPACITY,
        routing.roster.all().stream().mapToInt(a -> a.active().size()).sum(), routing.waiting());
    // Warm up, then measure.
    traffic(10, null, null, null);
    long[] asks = new long[seconds * ASKS_PER_SECOND];
    long[] closes = new long[asks.length];
    long[] accepts = new long[asks.length];
    traffic(seconds, asks, closes, accepts);
    System.out.printf("after: %d waiting%n", routing.waiting());
    report("ask (enqueue + dispatch pass)", asks);
    report("close (seat freed, next offered)", closes);
    report("accept (offer taken)", accepts);
    long[] all = new long[asks.length * 3];
    System.arraycopy(asks, 0, all, 0, asks.length);
    System.arraycopy(closes, 0, all, asks.length, asks.length);
    System.arraycopy(accepts, 0, all, asks.length * 2, asks.length);
    report("every decision", all);
  }

  private void traffic(int seconds, long[] asks, long[] closes, long[] accepts) {
    for (int i = 0; i < seconds * ASKS_PER_SECOND; i++) {
      // 200 a second of virtual time: deadlines and timeouts see the real pace, the clock is not waited on.
      timers.advance(1000 / ASKS_PER_SECOND, () -> { });
      long t = timed(ask());
      long c = timed(new DispatchMessage.Closed(randomHeld()));
      long a = acceptOffers();
      if (asks != null) {
        asks[i] = t;
        closes[i] = c;
        accepts[i] = a;
      }
    }
  }

  private String randomHeld() {
    Agent a = routing.roster.get("agent-" + random.nextInt(AGENTS));
    while (a.active().isEmpty()) {
      a = routing.roster.get("agent-" + random.nextInt(AGENTS));
    }
    List<String> held = new ArrayList<>(a.active().keySet());
    return held.get(random.nextInt(held.size()));
  }

  /** Accepts every offer made so far; answers the time of the last accept. */
  private long acceptOffers() {
    long last = 0;
    List<String> now = new ArrayList<>(offered);
    offered.clear();
    for (String o : now) {
      String[] parts = o.split("\n");
      last = timed(new DispatchMessage.Accept(parts[0], parts[1], ""));
    }
    return last;
  }

  private DispatchMessage.Request ask() {
    int rank = random.nextInt(10) < 2 ? 0 : random.nextInt(10) < 7 ? 1 : 2;
    String id = "c" + next++;
    long now = timers.now();
    return new DispatchMessage.Enqueue(new Waiting(id, "cust-" + id, TIERS[rank], rank, "", new Deadline(now, now + BUDGETS[rank]),
        true, "", Conversation.newBuilder().setId(id).setTier(TIERS[rank]).build(), Set.of()));
  }

  private long timed(DispatchMessage.Request r) {
    long start = System.nanoTime();
    handle(r);
    return System.nanoTime() - start;
  }

  private void handle(DispatchMessage.Request r) {
    Future<DispatchMessage.Reply> f = routing.handle(r);
    if (f.failed()) {
      throw new IllegalStateException(r + " failed", f.cause());
    }
  }

  private static void report(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf("%-34s n=%d p50=%.3f ms p99=%.3f ms max=%.3f ms%n", what, sorted.length,
        sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6, sorted[sorted.length - 1] / 1e6);
  }

  /** The record, answering every write at once. */
  private static final class InstantRecord implements RoutingEvents {
    @Override
    public Future<Boolean> offered(Waiting w, String agentId, long at) {
      return Future.succeededFuture(true);
    }

    @Override
    public Future<Boolean> requeued(Waiting w, String reason) {
      return Future.succeededFuture(true);
    }

    @Override
    public Future<Conversation> assigned(Waiting w, Agent agent, String fromAgent, boolean slaMet, long at) {
      return Future.succeededFuture(w.conversation().toBuilder().setSla(slaMet ? SlaOutcome.MET : SlaOutcome.BREACHED).build());
    }

    @Override
    public Future<Boolean> breached(Waiting w, long at) {
      return Future.succeededFuture(true);
    }

    @Override
    public Future<List<Conversation>> housekeeping(long now) {
      return Future.succeededFuture(List.of());
    }

    @Override
    public Future<List<Routed>> routable() {
      return Future.succeededFuture(List.of());
    }
  }
}
