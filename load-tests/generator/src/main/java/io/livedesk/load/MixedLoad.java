package io.livedesk.load;

import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Mixed, realistic load for soak runs and fault drills, against one node or several (clients
 * spread over the given URLs and reconnect to the next one when a connection drops):
 * <ul>
 * <li>customers ask (half for a person, half questions the bot answers), write a message every
 *     {@code --sendEveryMs} until {@code --messagesPerConversation}, close, rate, and ask again;
 *     each message is resent with its client id until acknowledged (retryable errors wait as
 *     told; a reconnect resumes from the last seq seen, then resends);</li>
 * <li>agents go online, accept every offer and answer a share of customer messages;</li>
 * <li>viewers join rooms and chat every {@code --sayEveryMs}.</li>
 * </ul>
 * Prints a {@code STAT} line every 10 s and a {@code RESULT} line at the end. With
 * {@code --verify http://host:port} it then exports every customer's transcripts through the
 * admin API and checks that every acknowledged message is stored with the seq its ack said and
 * that every customer received every message of their conversations exactly once; the exit code
 * is 1 when one is missing, a customer missed one or got one twice, or a send was never acked.
 */
public final class MixedLoad {

  private final Map<String, String> o;
  private final Vertx vertx = Vertx.vertx();
  private final Tokens tokens;
  private final List<URI> urls = new ArrayList<>();
  private final String run = Long.toString(System.currentTimeMillis(), 36);
  private final WebSocketClient ws;
  private volatile boolean running = true;

  private final Counts counts = new Counts();
  /** Acknowledged messages: conversation id, client message id, seq. */
  private final Queue<String[]> acked = new ConcurrentLinkedQueue<>();
  private final List<Customer> customers = new ArrayList<>();
  private final AtomicLong pendingSends = new AtomicLong();

  private MixedLoad(Map<String, String> options) {
    this.o = options;
    this.tokens = new Tokens(opt("secret", "livedesk-development-secret-do-not-use-in-production"), "livedesk", "livedesk");
    for (String u : opt("urls", "ws://127.0.0.1:8080/ws").split(",")) {
      urls.add(URI.create(u.trim()));
    }
    this.ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22)
        .setConnectTimeout(10_000).setMaxConnections(100_000));
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = Cli.options(args);
    int exit;
    try {
      exit = new MixedLoad(options).run();
    } catch (Exception | Error e) {
      e.printStackTrace();
      exit = 2;
    }
    System.exit(exit);
  }

  private int run() throws Exception {
    int seconds = num("seconds", 60);
    int n = 0;
    for (int i = 0; i < num("agents", 4); i++) {
      new Agent("ml-" + run + "-agent-" + i, n++).connect();
    }
    for (int i = 0; i < num("customers", 16); i++) {
      Customer c = new Customer("ml-" + run + "-cust-" + i, n++);
      customers.add(c);
      c.connect();
    }
    int rooms = num("rooms", 2);
    for (int i = 0; i < num("viewers", 40); i++) {
      new Viewer("ml-" + run + "-viewer-" + i, n++, "ml-room-" + (i % rooms)).connect();
    }
    long end = System.currentTimeMillis() + seconds * 1000L;
    while (System.currentTimeMillis() < end) {
      Thread.sleep(Math.min(10_000, Math.max(1, end - System.currentTimeMillis())));
      System.out.println("STAT " + stats().encode());
    }
    running = false;
    // Senders with a message in flight keep at it until it is acknowledged (a store may just be back).
    long drainUntil = System.currentTimeMillis() + num("drainSeconds", 90) * 1000L;
    while (pendingSends.get() > 0 && System.currentTimeMillis() < drainUntil) {
      Thread.sleep(200);
    }
    JsonObject result = stats().put("unackedAtEnd", pendingSends.get());
    boolean ok = pendingSends.get() == 0;
    if (o.containsKey("verify")) {
      ok &= verify(o.get("verify"), result);
    }
    result.put("ok", ok);
    System.out.println("RESULT " + result.encode());
    if (o.containsKey("out")) {
      Files.writeString(Path.of(o.get("out")), result.encodePrettily() + "\n");
    }
    return ok ? 0 : 1;
  }

  private JsonObject stats() {
    JsonObject s = new JsonObject();
    counts.snapshot().forEach(s::put);
    return s.put("pendingSends", pendingSends.get());
  }

  private void inc(String what) {
    counts.inc(what);
  }

  private long count(String what) {
    return counts.get(what);
  }

  // ------------------------------------------------------------------ clients

  /** One connection with request/reply by frame id; reconnects to the next URL when it drops. */
  private abstract class Client {
    final String user;
    final String role;
    int urlIndex;
    WebSocket socket;
    long ids;
    final Map<String, Consumer<JsonObject>> replies = new HashMap<>();

    Client(String user, String role, int urlIndex) {
      this.user = user;
      this.role = role;
      this.urlIndex = urlIndex;
    }

    void connect() {
      URI url = urls.get(urlIndex % urls.size());
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(url.getHost()).setPort(url.getPort())
          .setURI(url.getPath()).addHeader("Authorization", "Bearer " + tokens.mint(user, role, 24 * 3600));
      // Handlers go on before the upgrade: the welcome may come in the same read as the 101.
      ClientWebSocket s = ws.webSocket();
      s.textMessageHandler(text -> frame(new JsonObject(text)));
      s.exceptionHandler(e -> { });
      s.connect(options).onSuccess(connected -> {
        socket = s;
        s.closeHandler(v -> dropped());
      }).onFailure(e -> {
        inc("connectFailures");
        urlIndex++;
        vertx.setTimer(1000, t -> connect());
      });
    }

    private void dropped() {
      replies.clear();
      inc("reconnects");
      urlIndex++;
      if (running || hasPending()) {
        vertx.setTimer(500, t -> connect());
      }
    }

    boolean hasPending() {
      return false;
    }

    void send(JsonObject frame, Consumer<JsonObject> reply) {
      String id = "f" + (++ids);
      if (reply != null) {
        replies.put(id, reply);
      }
      if (socket != null && !socket.isClosed()) {
        socket.writeTextMessage(frame.put("id", id).encode());
      }
    }

    private void frame(JsonObject f) {
      if (f.containsKey("welcome")) {
        welcome();
        return;
      }
      Consumer<JsonObject> reply = replies.remove(f.getString("replyTo", ""));
      if (reply != null) {
        if (f.containsKey("error")) {
          inc("error." + f.getJsonObject("error").getString("code"));
        }
        reply.accept(f);
      } else {
        push(f);
      }
    }

    abstract void welcome();

    void push(JsonObject f) {
    }

    long retryAfter(JsonObject reply) {
      JsonObject e = reply.getJsonObject("error");
      return e != null && e.getBoolean("retryable", false) ? Math.max(100, e.getLong("retryAfterMs", 1000L)) : -1;
    }
  }

  private final class Customer extends Client {
    String conversationId;
    /** Every seq delivered to this customer, per conversation, in arrival order (live and replayed). */
    final Map<String, List<Integer>> received = new ConcurrentHashMap<>();
    int sent;
    int asks;
    String pendingId;
    String pendingText;

    Customer(String user, int i) {
      super(user, "customer", i);
    }

    @Override
    boolean hasPending() {
      return pendingId != null;
    }

    @Override
    void welcome() {
      if (conversationId == null) {
        ask();
        return;
      }
      JsonObject cursor = new JsonObject().put("conversationId", conversationId).put("lastSeq", contiguous(conversationId));
      send(new JsonObject().put("resume", new JsonObject().put("cursors", new JsonArray().add(cursor))), r -> {
        if (r.containsKey("resumed")) {
          inc("resumes");
          next(0);
        } else {
          conversationId = null; // closed or gone meanwhile: start over
          ask();
        }
      });
    }

    private void ask() {
      if (!running) {
        return;
      }
      boolean human = ThreadLocalRandom.current().nextBoolean();
      String text = human ? "human please: which size fits a 170 cm person" : "how long does shipping take";
      send(new JsonObject().put("ask", new JsonObject().put("text", text).put("clientMsgId", user + "-ask-" + (++asks))), r -> {
        if (r.containsKey("conversation")) {
          inc("asks");
          JsonObject c = r.getJsonObject("conversation").getJsonObject("conversation");
          conversationId = c.getString("id");
          sent = 0;
          next(num("sendEveryMs", 1000));
        } else {
          long wait = retryAfter(r);
          vertx.setTimer(wait > 0 ? wait : 1000, t -> ask());
        }
      });
    }

    /** Sends the pending message (or a new one) after the delay. */
    private void next(long delayMs) {
      vertx.setTimer(Math.max(1, delayMs), t -> {
        if (pendingId == null) {
          if (!running) {
            return;
          }
          pendingId = user + "-" + conversationId.substring(0, 8) + "-" + (++sent);
          pendingText = "message " + sent + " about my order";
          pendingSends.incrementAndGet();
        }
        String id = pendingId;
        send(new JsonObject().put("send", new JsonObject().put("conversationId", conversationId).put("clientMsgId", id)
            .put("text", pendingText)), r -> answered(id, r));
      });
    }

    private void answered(String id, JsonObject r) {
      if (r.containsKey("ack")) {
        acked.add(new String[] {conversationId, id, Integer.toString(r.getJsonObject("ack").getInteger("seq"))});
        inc("acked");
        pendingId = null;
        pendingSends.decrementAndGet();
        if (sent >= num("messagesPerConversation", 10)) {
          finish();
        } else {
          next(num("sendEveryMs", 1000));
        }
        return;
      }
      long wait = retryAfter(r);
      if (wait > 0) {
        inc("retries");
        next(wait);
        return;
      }
      // Refused for good (the conversation was closed meanwhile): drop it and ask anew.
      pendingId = null;
      pendingSends.decrementAndGet();
      conversationId = null;
      ask();
    }

    private void finish() {
      String id = conversationId;
      send(new JsonObject().put("close", new JsonObject().put("conversationId", id).put("resolved", true)), r -> {
        inc(r.containsKey("conversation") ? "closed" : "closeRefused");
        send(new JsonObject().put("rate", new JsonObject().put("conversationId", id).put("stars", 5)), rated -> { });
        conversationId = null;
        vertx.setTimer(num("sendEveryMs", 1000), t -> ask());
      });
    }

    /** Message frames of any conversation, the one being asked included (they may come before the ask's answer). */
    @Override
    void push(JsonObject f) {
      JsonObject m = f.getJsonObject("message");
      if (m == null) {
        return;
      }
      List<Integer> seqs = received.computeIfAbsent(m.getString("conversationId"),
          k -> java.util.Collections.synchronizedList(new ArrayList<>()));
      int seq = m.getInteger("seq");
      synchronized (seqs) {
        if (!seqs.isEmpty() && seq < seqs.get(seqs.size() - 1)) {
          inc("outOfOrder"); // seen: a client resumes from its contiguous prefix, not the highest seq seen
        }
        seqs.add(seq);
      }
    }

    List<Integer> copy(String conversation) {
      List<Integer> seqs = received.getOrDefault(conversation, List.of());
      synchronized (seqs) {
        return new ArrayList<>(seqs);
      }
    }

    /** The highest seq below which this customer has every message of the conversation. */
    int contiguous(String conversation) {
      java.util.Set<Integer> seen = new java.util.HashSet<>(copy(conversation));
      int s = 0;
      while (seen.contains(s + 1)) {
        s++;
      }
      return s;
    }
  }

  private final class Agent extends Client {
    long replies;

    Agent(String user, int i) {
      super(user, "agent", i);
    }

    @Override
    void welcome() {
      send(new JsonObject().put("agentStatus", new JsonObject().put("status", "ONLINE").put("capacity", num("capacity", 8))),
          r -> inc("agentsOnline"));
    }

    @Override
    void push(JsonObject f) {
      if (f.containsKey("offer")) {
        JsonObject offer = f.getJsonObject("offer");
        send(new JsonObject().put("accept", new JsonObject().put("offerId", offer.getString("offerId"))
            .put("conversationId", offer.getJsonObject("conversation").getString("id"))),
            r -> inc(r.containsKey("conversation") ? "accepted" : "acceptRefused"));
      } else if (f.containsKey("message") && "CUSTOMER".equals(f.getJsonObject("message").getString("senderRole"))
          && ThreadLocalRandom.current().nextInt(100) < num("replyPercent", 30)) {
        String conversation = f.getJsonObject("message").getString("conversationId");
        String id = user + "-" + (++replies);
        send(new JsonObject().put("send", new JsonObject().put("conversationId", conversation).put("clientMsgId", id)
            .put("text", "thanks, checking that for you")), r -> {
              if (r.containsKey("ack")) {
                acked.add(new String[] {conversation, id, Integer.toString(r.getJsonObject("ack").getInteger("seq"))});
                inc("agentAcked");
              }
            });
      }
    }
  }

  private final class Viewer extends Client {
    final String room;
    long said;

    Viewer(String user, int i, String room) {
      super(user, "viewer", i);
      this.room = room;
    }

    @Override
    void welcome() {
      send(new JsonObject().put("joinRoom", new JsonObject().put("roomId", room)), r -> {
        if (r.containsKey("roomJoined")) {
          say();
        }
      });
    }

    private void say() {
      long every = num("sayEveryMs", 5000);
      vertx.setTimer(ThreadLocalRandom.current().nextLong(every / 2, every * 3 / 2 + 1), t -> {
        if (!running || socket == null || socket.isClosed()) {
          return;
        }
        send(new JsonObject().put("say", new JsonObject().put("roomId", room).put("text", "nice, how much is it?")
            .put("clientMsgId", user + "-" + (++said))), r -> inc(r.containsKey("ok") ? "said" : "sayRefused"));
        say();
      });
    }

    @Override
    void push(JsonObject f) {
      if (f.containsKey("roomMessage")) {
        inc("roomMessages");
      } else if (f.containsKey("roomBatch")) {
        counts.add("roomMessages", f.getJsonObject("roomBatch").getJsonArray("messages", new JsonArray()).size());
      }
    }
  }

  // ------------------------------------------------------------------ verification

  /**
   * Exports every customer's transcripts: every acknowledged message must be stored with the seq
   * its ack gave, and every customer must have received every stored message of their
   * conversations exactly once (no gap, no duplicate).
   */
  private boolean verify(String base, JsonObject result) throws Exception {
    URI uri = URI.create(base);
    HttpClient http = vertx.createHttpClient();
    String admin = tokens.mint("ml-" + run + "-admin", "admin", 3600);
    Map<String, Integer> stored = new LinkedHashMap<>();
    long gaps = 0;
    long duplicates = 0;
    for (Customer c : customers) {
      String body = http.request(HttpMethod.GET, uri.getPort(), uri.getHost(), "/api/admin/customers/" + c.user + "/transcripts")
          // body() nested in the send callback so no chunk of the response can pass before it
          .compose(req -> req.putHeader("Authorization", "Bearer " + admin).send()
              .compose(res -> res.statusCode() == 200 ? res.body()
                  : io.vertx.core.Future.failedFuture("export of " + c.user + " answered " + res.statusCode())))
          .await(60, TimeUnit.SECONDS).toString();
      for (Object conv : new JsonObject(body).getJsonArray("conversations")) {
        String conversation = ((JsonObject) conv).getString("id");
        List<Integer> got = c.copy(conversation);
        for (Object m : ((JsonObject) conv).getJsonArray("messages")) {
          JsonObject msg = (JsonObject) m;
          stored.put(conversation + "|" + msg.getString("clientMsgId"), msg.getInteger("seq"));
          int times = java.util.Collections.frequency(got, msg.getInteger("seq"));
          if (times == 0 && gaps++ < 10) {
            System.out.println("GAP " + c.user + " never received " + conversation + " seq " + msg.getInteger("seq"));
          }
          if (times > 1 && duplicates++ < 10) {
            System.out.println("DUPLICATE " + c.user + " received " + conversation + " seq " + msg.getInteger("seq") + " " + times + " times");
          }
        }
      }
    }
    long missing = 0;
    for (String[] a : acked) {
      Integer seq = stored.get(a[0] + "|" + a[1]);
      if (seq == null || seq != Integer.parseInt(a[2])) {
        if (missing++ < 10) {
          System.out.println("MISSING acked " + String.join(" ", a) + " stored seq " + seq);
        }
      }
    }
    result.put("verifiedAcked", acked.size()).put("missingFromStore", missing).put("gaps", gaps).put("duplicates", duplicates);
    return missing == 0 && gaps == 0 && duplicates == 0;
  }

  private String opt(String name, String dflt) {
    return o.getOrDefault(name, dflt);
  }

  private int num(String name, int dflt) {
    return Integer.parseInt(opt(name, Integer.toString(dflt)));
  }
}
