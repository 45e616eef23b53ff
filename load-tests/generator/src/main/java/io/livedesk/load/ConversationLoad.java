package io.livedesk.load;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Customer-to-agent messages with persistence: {@code --pairs} customers each in an active
 * conversation with their own agent (capacity 1, so the dispatcher pairs them one to one), then
 * customer messages at each total rate of {@code --rates} for {@code --stepSeconds}. Per step:
 * send to ack at the customer (the ack leaves the server once MongoDB has the message), send to
 * receipt at the agent (the send time travels in the text), and the server's CPU.
 */
public final class ConversationLoad {

  private static final List<String> SKILLS = List.of("products", "payments", "orders", "aftersales", "general");

  private final Map<String, String> o;
  private final Counts counts = new Counts();
  private final Map<String, String> conversationOf = new ConcurrentHashMap<>();
  private final List<DeskSession> active = new CopyOnWriteArrayList<>();
  private final Histogram toAck = new Histogram();
  private final Histogram toAgent = new Histogram();
  private final LongAdder acked = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LongAdder refused = new LongAdder();
  /** Acks slower than {@code --slowMs}, "send epoch ms, ms to ack" per line, for {@code --slowLog}. */
  private final java.util.Queue<String> slow = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private long slowNanos = Long.MAX_VALUE;

  private ConversationLoad(Map<String, String> options) {
    this.o = options;
  }

  public static void main(String[] args) {
    Map<String, String> options = Cli.options(args);
    Cli.runAndExit(() -> new ConversationLoad(options).run(), options.getOrDefault("out", ""));
  }

  private Map<String, Object> run() throws Exception {
    URI url = URI.create(opt("url", "ws://127.0.0.1:8080/ws"));
    WsClient client = new WsClient(Integer.parseInt(opt("eventLoops", "2")));
    Tokens tokens = new Tokens(opt("secret", "livedesk-development-secret-do-not-use-in-production"), "livedesk", "livedesk");
    String run = Long.toString(System.currentTimeMillis(), 36);
    if (!opt("slowLog", "").isEmpty()) {
      slowNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(opt("slowMs", "20")));
    }
    int pairs = Integer.parseInt(opt("pairs", "400"));

    List<DeskSession> agents = DeskSession.openMany(client, url, tokens, "cva-" + run + "-", "agent", pairs, 256);
    for (DeskSession a : agents) {
      a.onPush(f -> agentPush(a, f));
      a.request("agentStatus", new JsonObject().put("status", "ONLINE").put("capacity", 1).put("skills", SKILLS));
    }
    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2)); // the agents online before anyone asks
    List<DeskSession> customers = DeskSession.openMany(client, url, tokens, "cvc-" + run + "-", "customer", pairs, 256);
    for (DeskSession c : customers) {
      c.onPush(f -> customerPush(c, f));
      c.request("ask", new JsonObject().put("text", "Where is my parcel? I want to talk to a human")
          .put("clientMsgId", c.user + "-ask")).onSuccess(ans -> {
            String error = DeskSession.errorCode(ans);
            if (error != null) {
              inc("ask." + error);
            }
          });
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (active.size() < customers.size() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("pairsAsked", pairs);
    r.put("agentsConnected", agents.size());
    r.put("customersConnected", customers.size());
    r.put("pairsActive", active.size());
    System.out.println("READY " + Json.write(r));
    System.out.flush();

    List<Map<String, Object>> steps = new ArrayList<>();
    for (String rate : opt("rates", "100,500,1000,2000").split(",")) {
      steps.add(step(Double.parseDouble(rate.trim())));
    }
    r.put("steps", steps);
    r.put("counts", counts.snapshot());
    return r;
  }

  /** One rate: the messages spread round-robin over the customers, then a drain before the figures. */
  private Map<String, Object> step(double rate) throws java.io.IOException {
    toAck.reset();
    toAgent.reset();
    acked.reset();
    received.reset();
    refused.reset();
    int pid = Integer.parseInt(opt("serverPid", "0"));
    double seconds = Double.parseDouble(opt("stepSeconds", "15"));
    List<DeskSession> senders = List.copyOf(active);
    LongAdder sent = new LongAdder();
    long cpu0 = ServerCpu.ticks(pid);
    long start = System.nanoTime();
    Generator.pace(rate, seconds, n -> {
      send(senders.get((int) (n % senders.size())), n);
      sent.increment();
    });
    double cpu = (ServerCpu.ticks(pid) - cpu0) / ServerCpu.TICKS_PER_SECOND;
    double elapsed = (System.nanoTime() - start) / 1e9;
    // Every send answered and every stored message at its agent (or the drain spent) before the
    // next rate, so that a backlog does not pass its latencies on to the next step; the drain time
    // is reported. (Waiting for the acks alone, a receipt that came a moment after the last ack
    // was counted in neither step: 73,296 received of 73,297 acked.)
    long drainUntil = System.nanoTime() + (long) (Double.parseDouble(opt("drainSeconds", "30")) * 1e9);
    while ((acked.sum() + refused.sum() < sent.sum() || received.sum() < acked.sum()) && System.nanoTime() < drainUntil) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    double drained = (System.nanoTime() - start) / 1e9 - elapsed;
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("rate", rate);
    s.put("sent", sent.sum());
    s.put("acked", acked.sum());
    s.put("refused", refused.sum());
    s.put("receivedByAgent", received.sum());
    s.put("drainSeconds", Generator.round(drained));
    s.put("ackedPerSecond", Generator.round(toAck.count() / (elapsed + drained))); // the drain is part of the work
    s.put("sendToAckP50Ms", toAck.percentileMs(0.50));
    s.put("sendToAckP99Ms", toAck.percentileMs(0.99));
    s.put("sendToAgentP50Ms", toAgent.percentileMs(0.50));
    s.put("sendToAgentP99Ms", toAgent.percentileMs(0.99));
    if (pid > 0) {
      s.put("serverCpuCores", Generator.round(cpu / elapsed));
    }
    if (!opt("slowLog", "").isEmpty()) {
      // where the tail is: each slow ack with its send time, to lay beside GC logs (time decorator)
      List<String> lines = new ArrayList<>(List.of("# step " + rate));
      for (String line; (line = slow.poll()) != null; ) {
        lines.add(line);
      }
      java.nio.file.Files.write(java.nio.file.Path.of(opt("slowLog", "")), lines,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
    System.out.println("STEP " + Json.write(s));
    System.out.flush();
    return s;
  }

  private void send(DeskSession customer, long n) {
    long now = System.nanoTime();
    String conversation = conversationOf.get(customer.user);
    customer.request("send", new JsonObject().put("conversationId", conversation).put("clientMsgId", "m" + n + "-" + now)
        .put("text", Wire.stamp(now) + " any news about my parcel?")).onComplete(ar -> {
          String error = ar.succeeded() ? DeskSession.errorCode(ar.result()) : "closed";
          if (error != null) {
            inc("send." + error);
            refused.increment();
            return;
          }
          long took = System.nanoTime() - now;
          toAck.recordNanos(took);
          acked.increment();
          if (took > slowNanos) {
            slow.add((System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(took)) + " " + took / 1_000_000);
          }
        });
  }

  /** The conversation turns ACTIVE once the agent accepted: the pair is ready. */
  private void customerPush(DeskSession c, JsonObject f) {
    JsonObject conv = f.getJsonObject("conversation");
    if (conv != null) {
      JsonObject cv = conv.getJsonObject("conversation", new JsonObject());
      if ("ACTIVE".equals(cv.getString("state")) && conversationOf.putIfAbsent(c.user, cv.getString("id")) == null) {
        active.add(c);
      }
    } else if (f.containsKey("error")) {
      inc("pushedError." + DeskSession.errorCode(f));
    }
  }

  private void agentPush(DeskSession agent, JsonObject f) {
    JsonObject offer = f.getJsonObject("offer");
    if (offer != null) {
      agent.request("accept", new JsonObject().put("offerId", offer.getString("offerId"))
          .put("conversationId", offer.getJsonObject("conversation").getString("id")))
          .onSuccess(ans -> inc(ans.containsKey("error") ? "accept." + DeskSession.errorCode(ans) : "accepted"));
      return;
    }
    JsonObject m = f.getJsonObject("message");
    if (m != null && "CUSTOMER".equals(m.getString("senderRole"))) {
      String text = m.getString("text", "");
      long sentAt = Wire.stampAt(text, text.indexOf(Wire.STAMP));
      if (sentAt > 0) {
        toAgent.recordNanos(System.nanoTime() - sentAt);
        received.increment();
      }
    } else if (f.containsKey("error")) {
      inc("pushedError." + DeskSession.errorCode(f));
    }
  }

  private void inc(String what) {
    counts.inc(what);
  }

  private String opt(String name, String dflt) {
    return o.getOrDefault(name, dflt);
  }
}
