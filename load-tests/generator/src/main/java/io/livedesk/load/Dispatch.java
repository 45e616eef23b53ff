package io.livedesk.load;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Dispatch under sustained arrivals: {@code --agents} agents online with {@code --capacity} and
 * every skill the shipped rules route to; they accept every offer at once, answer the customer
 * at once, hold the conversation {@code --holdMs} and close it. A pool of {@code --customers}
 * customers asks labelled questions (questions.jsonl, with a request for a person so the bot
 * hands over) at {@code --rate} new conversations a second for {@code --seconds}; a customer
 * asks again once its conversation is closed. Measures, per tier (the server's, from the offer):
 * dispatch latency (ask written to offer read by an agent), time to the first human answer
 * (ask written to the agent's message read by the customer) and SLA attainment (that answer
 * within the tier's budget). Prints {@code READY} once connected and {@code RESULT} at the end.
 */
public final class Dispatch {

  /** The shipped rules' skills: an agent with all of them can take any intent. */
  private static final List<String> SKILLS = List.of("products", "payments", "orders", "aftersales", "general");
  /** The default tiers' budgets (routing.tiers); attainment is judged against these. */
  private static final Map<String, Long> BUDGET_MS = Map.of("urgent", 10_000L, "normal", 30_000L, "low", 120_000L);

  private final Map<String, String> o;
  private final List<String[]> questions = new ArrayList<>();
  private final Counts counts = new Counts();
  /** The open ask of each customer, by customer id: an agent's offer names the customer. */
  private final Map<String, Asked> open = new ConcurrentHashMap<>();
  private final Queue<Asked> asked = new ConcurrentLinkedQueue<>();
  private final Queue<DeskSession> idle = new ConcurrentLinkedQueue<>();
  private final Set<String> served = ConcurrentHashMap.newKeySet();
  private Vertx vertx;

  /** One ask and what became of it; times are System.nanoTime(), 0 until it happens. */
  private static final class Asked {
    final String customer;
    final String label;
    final long sentAt;
    volatile String tier;
    volatile long offeredAt;
    volatile long answeredAt;

    Asked(String customer, String label, long sentAt) {
      this.customer = customer;
      this.label = label;
      this.sentAt = sentAt;
    }

    String tier() {
      return tier != null ? tier : label;
    }
  }

  private Dispatch(Map<String, String> options) throws Exception {
    this.o = options;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        Dispatch.class.getResourceAsStream("/questions.jsonl"), StandardCharsets.UTF_8))) {
      in.lines().filter(l -> !l.isBlank()).map(JsonObject::new)
          .forEach(q -> questions.add(new String[] {q.getString("text"), q.getString("tier")}));
    }
  }

  public static void main(String[] args) {
    Map<String, String> options = Cli.options(args);
    Cli.runAndExit(() -> new Dispatch(options).run(), options.getOrDefault("out", ""));
  }

  private Map<String, Object> run() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)); // timers only
    URI url = URI.create(opt("url", "ws://127.0.0.1:8080/ws"));
    WsClient client = new WsClient(num("eventLoops", 2));
    Tokens tokens = new Tokens(opt("secret", "livedesk-development-secret-do-not-use-in-production"), "livedesk", "livedesk");
    String run = Long.toString(System.currentTimeMillis(), 36);
    int agents = num("agents", 500);
    int capacity = num("capacity", 4);
    double rate = Double.parseDouble(opt("rate", "200"));
    double seconds = Double.parseDouble(opt("seconds", "60"));
    int pool = num("customers", (int) Math.ceil(rate * (num("holdMs", 5000) / 1000.0 + 10)));

    Map<String, Object> r = new LinkedHashMap<>();
    r.put("agents", agents);
    r.put("capacity", capacity);
    r.put("holdMs", num("holdMs", 5000));
    r.put("rate", rate);
    r.put("seconds", seconds);
    long t0 = System.nanoTime();
    List<DeskSession> agentSessions = DeskSession.openMany(client, url, tokens, "ag-" + run + "-", "agent", agents, 256);
    for (DeskSession a : agentSessions) {
      a.onPush(f -> agentPush(a, f));
      a.request("agentStatus", new JsonObject().put("status", "ONLINE").put("capacity", capacity)
          .put("skills", SKILLS).put("displayName", a.user)).onSuccess(ans -> inc(ans.containsKey("error") ? "agentStatusRefused" : "agentsOnline"));
    }
    List<DeskSession> customers = DeskSession.openMany(client, url, tokens, "cu-" + run + "-", "customer", pool, 256);
    for (DeskSession c : customers) {
      c.onPush(f -> customerPush(c, f));
      idle.add(c);
    }
    r.put("agentsConnected", agentSessions.size());
    r.put("customersConnected", customers.size());
    r.put("connectSeconds", Generator.round((System.nanoTime() - t0) / 1e9));
    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2)); // the agents' status answers
    r.put("agentsOnline", count("agentsOnline"));
    System.out.println("READY " + Json.write(r));
    System.out.flush();

    int pid = num("serverPid", 0);
    long cpu0 = ServerCpu.ticks(pid);
    long start = System.nanoTime();
    Generator.pace(rate, seconds, n -> ask());
    double arrivalSeconds = (System.nanoTime() - start) / 1e9;
    double cpu = (ServerCpu.ticks(pid) - cpu0) / ServerCpu.TICKS_PER_SECOND;
    long drainUntil = System.nanoTime() + (long) (Double.parseDouble(opt("drainSeconds", "15")) * 1e9);
    while (System.nanoTime() < drainUntil && asked.stream().anyMatch(a -> a.answeredAt == 0)) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    long end = System.nanoTime();
    if (pid > 0) {
      r.put("serverCpuCores", Generator.round(cpu / arrivalSeconds));
    }
    r.put("asked", asked.size());
    r.put("askedPerSecond", Generator.round(asked.size() / arrivalSeconds));
    r.put("tiers", tiers(end));
    r.put("counts", counts.snapshot());
    return r;
  }

  /** One new conversation from an idle customer; none idle is counted, not waited for (the rate is the point). */
  private void ask() {
    DeskSession c = idle.poll();
    if (c == null) {
      inc("askSkippedNoIdleCustomer");
      return;
    }
    String[] q = questions.get(ThreadLocalRandom.current().nextInt(questions.size()));
    // An explicit request for a person, in the question's language, so the bot hands over at once.
    String text = q[0] + (q[0].chars().anyMatch(ch -> ch > 0x2e80) ? " 转人工" : " Can I talk to a human?");
    Asked a = new Asked(c.user, q[1], System.nanoTime());
    open.put(c.user, a);
    asked.add(a);
    c.request("ask", new JsonObject().put("text", text).put("clientMsgId", c.user + "-" + a.sentAt)).onComplete(ar -> {
      String error = ar.succeeded() ? DeskSession.errorCode(ar.result()) : "closed";
      if (error != null) {
        inc("ask." + error);
        open.remove(c.user, a);
        idle.add(c);
        return;
      }
      JsonObject conv = ar.result().getJsonObject("conversation").getJsonObject("conversation");
      if (a.tier == null) {
        a.tier = conv.getString("tier");
      }
    });
  }

  private void customerPush(DeskSession c, JsonObject f) {
    Asked a = open.get(c.user);
    JsonObject m = f.getJsonObject("message");
    if (m != null && a != null && "AGENT".equals(m.getString("senderRole")) && a.answeredAt == 0) {
      a.answeredAt = System.nanoTime();
      return;
    }
    JsonObject conv = f.getJsonObject("conversation");
    if (conv != null && a != null) {
      String state = conv.getJsonObject("conversation", new JsonObject()).getString("state", "");
      if (state.equals("RESOLVED") || state.equals("CLOSED")) {
        open.remove(c.user, a);
        idle.add(c); // the customer may ask again
      }
    } else if (f.containsKey("error")) {
      inc("pushedError." + DeskSession.errorCode(f));
    }
  }

  private void agentPush(DeskSession agent, JsonObject f) {
    JsonObject offer = f.getJsonObject("offer");
    JsonObject pushed = f.getJsonObject("conversation");
    if (pushed != null) {
      // Assigned even when the accept's answer was lost (UNAVAILABLE: the dispatcher answered
      // after 3 s): the console sees the conversation turn ACTIVE with this agent and serves it,
      // or its slot would stay taken for the rest of the run.
      JsonObject c = pushed.getJsonObject("conversation", new JsonObject());
      if ("ACTIVE".equals(c.getString("state")) && agent.user.equals(c.getString("agentId"))) {
        serve(agent, c.getString("id"));
      }
      return;
    }
    if (offer == null) {
      if (f.containsKey("error")) {
        inc("pushedError." + DeskSession.errorCode(f));
      }
      return;
    }
    JsonObject conv = offer.getJsonObject("conversation");
    Asked a = open.get(conv.getString("customerId", ""));
    if (a != null && a.offeredAt == 0) {
      a.tier = conv.getString("tier");
      a.offeredAt = System.nanoTime();
    }
    inc(offer.getBoolean("warning", false) ? "warningOffers" : "offers");
    String id = conv.getString("id");
    agent.request("accept", new JsonObject().put("offerId", offer.getString("offerId")).put("conversationId", id))
        .onSuccess(ans -> {
          String error = DeskSession.errorCode(ans);
          if (error != null) {
            inc("accept." + error);
          } else {
            inc("accepted");
            serve(agent, id);
          }
        })
        .onFailure(e -> inc("accept.closed"));
  }

  /** Answers at once, holds the conversation, closes it; once per conversation whichever way the agent learnt of it. */
  private void serve(DeskSession agent, String id) {
    if (!served.add(id)) {
      return;
    }
    agent.request("send", new JsonObject().put("conversationId", id).put("clientMsgId", id + "-hello")
            .put("text", "Hello, I am looking into it now"))
        .onSuccess(sent -> inc(sent.containsKey("ack") ? "agentAnswered" : "send." + DeskSession.errorCode(sent)))
        .compose(sent -> vertx.timer(num("holdMs", 5000)))
        .compose(t -> agent.request("close", new JsonObject().put("conversationId", id).put("resolved", true)))
        .onSuccess(closed -> inc(closed.containsKey("error") ? "close." + DeskSession.errorCode(closed) : "closed"))
        .onFailure(e -> inc("agentFlowFailed"));
  }

  /**
   * Per tier: asks, answers, and attainment over the decided asks (answered, or unanswered with
   * the budget already spent when the run ended); asks still inside their budget are undecided.
   */
  private Map<String, Object> tiers(long end) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String tier : List.of("urgent", "normal", "low")) {
      long budget = TimeUnit.MILLISECONDS.toNanos(BUDGET_MS.get(tier));
      long n = 0;
      long answered = 0;
      long within = 0;
      long undecided = 0;
      long relabelled = 0;
      List<Long> dispatched = new ArrayList<>();
      List<Long> firstAnswers = new ArrayList<>();
      for (Asked a : asked) {
        if (!a.tier().equals(tier)) {
          continue;
        }
        n++;
        relabelled += a.label.equals(tier) ? 0 : 1;
        if (a.offeredAt != 0) {
          dispatched.add(a.offeredAt - a.sentAt);
        }
        if (a.answeredAt != 0) {
          answered++;
          firstAnswers.add(a.answeredAt - a.sentAt);
          within += a.answeredAt - a.sentAt <= budget ? 1 : 0;
        } else if (end - a.sentAt < budget) {
          undecided++;
        }
      }
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("budgetSeconds", BUDGET_MS.get(tier) / 1000);
      t.put("asked", n);
      t.put("answered", answered);
      t.put("withinBudget", within);
      t.put("undecided", undecided);
      t.put("attainment", n - undecided > 0 ? Math.round(10_000.0 * within / (n - undecided)) / 10_000.0 : null);
      t.put("labelledOtherwise", relabelled);
      t.put("offered", dispatched.size());
      t.put("dispatchP50Ms", percentileMs(dispatched, 0.50));
      t.put("dispatchP99Ms", percentileMs(dispatched, 0.99));
      t.put("firstAnswerP50Ms", percentileMs(firstAnswers, 0.50));
      t.put("firstAnswerP99Ms", percentileMs(firstAnswers, 0.99));
      out.put(tier, t);
    }
    return out;
  }

  /** Exact, from every sample (a few thousand per tier): no histogram ceiling for the long waits of an overload. */
  static double percentileMs(List<Long> nanos, double q) {
    if (nanos.isEmpty()) {
      return Double.NaN;
    }
    List<Long> sorted = new ArrayList<>(nanos);
    sorted.sort(null);
    int rank = (int) Math.ceil(q * sorted.size());
    return Math.round(sorted.get(Math.max(0, rank - 1)) / 10_000.0) / 100.0;
  }

  private void inc(String what) {
    counts.inc(what);
  }

  private long count(String what) {
    return counts.get(what);
  }

  private String opt(String name, String dflt) {
    return o.getOrDefault(name, dflt);
  }

  private int num(String name, int dflt) {
    return Integer.parseInt(opt(name, Integer.toString(dflt)));
  }
}
