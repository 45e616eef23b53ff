package io.livedesk.server.faults;

import com.mongodb.client.model.Filters;
import io.livedesk.protocol.AcceptOffer;
import io.livedesk.protocol.AgentStatus;
import io.livedesk.protocol.Ask;
import io.livedesk.protocol.Claim;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.protocol.Send;
import io.livedesk.server.conversation.Conversations;
import io.livedesk.server.store.EmbeddedStore;
import io.livedesk.server.store.Store;
import io.livedesk.server.testing.NodeProcess;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bson.Document;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The crash drill: mixed load (customers writing, agents answering, coupon claims) against
 * {@code nodes} node processes, one of which is killed with SIGKILL at a random moment of each
 * round and started again on the same data. After each round everything the clients were
 * acknowledged is checked against what MongoDB holds: no acknowledged message missing, no gap in
 * a conversation's seqs, no message stored twice, no more grants than coupons, every granted
 * claim stored. One node runs the embedded store in its own process, so a kill is a crash of
 * the store too; several nodes share an embedded store in this process.
 *
 * <p>{@code CrashDrillTest} runs a short drill in {@code mvn verify}; {@code scripts/crash-drill.sh}
 * the long one (20 rounds of 1 node and of 3 nodes).
 */
public final class CrashDrill implements AutoCloseable {

  /** What a round found; clean when nothing acknowledged was lost or broken. */
  public record Round(int round, int nodes, String killed, long killAtMs, int opened, int lostConversations, int ackedMessages,
                      int missing, int gaps,
                      int duplicates, long grants, int coupons, int grantedClaims, int missingClaims, int unacked,
                      long recoveryMs) {
    public boolean clean() {
      return lostConversations == 0 && missing == 0 && gaps == 0 && duplicates == 0 && grants <= coupons && missingClaims == 0 && unacked == 0;
    }

    public static String header() {
      return String.format("%5s %5s %-6s %7s %6s %7s %6s %7s %4s %4s %13s %7s %7s %7s %8s %s", "round", "nodes", "killed", "kill@ms",
          "convs", "lostCnv", "acked", "missing", "gaps", "dups", "grants/total", "claims", "lostClm", "unacked", "recovery", "result");
    }

    public String row() {
      return String.format("%5d %5d %-6s %7d %6d %7d %6d %7d %4d %4d %13s %7d %7d %7d %6dms %s", round, nodes, killed, killAtMs,
          opened, lostConversations, ackedMessages,
          missing, gaps, duplicates, grants + "/" + coupons, grantedClaims, missingClaims, unacked, recoveryMs, clean() ? "ok" : "FAIL");
    }
  }

  /** An acknowledged message: the ack's seq for (conversation, sender, client id). */
  record Acked(String conversationId, String senderId, String clientMsgId, int seq) {
  }

  private final int nodeCount;
  private final Path dir;
  private final Random random;
  private final int customers;
  private final int coupons;
  private final long roundMs;
  private final Vertx vertx = Vertx.vertx();
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final EmbeddedStore sharedStore;
  private final int storePort;
  private final Queue<Acked> acked = new ConcurrentLinkedQueue<>();
  private final Queue<String> grantedClaims = new ConcurrentLinkedQueue<>();
  /** Conversations whose opening a customer was answered. */
  private final Queue<String> opened = new ConcurrentLinkedQueue<>();
  private final AtomicInteger unacked = new AtomicInteger();
  private final AtomicInteger claimants = new AtomicInteger();
  private String campaignId;
  /** Viewers the campaign reached at its start (drill-claim-0..n-1): a coupon is claimable only by whom its push reached. */
  private int claimantCount;

  public CrashDrill(int nodeCount, Path dir, long seed, int customers, int coupons, long roundMs) {
    this.nodeCount = nodeCount;
    this.dir = dir;
    this.random = new Random(seed);
    this.customers = customers;
    this.coupons = coupons;
    this.roundMs = roundMs;
    this.storePort = NodeProcess.freePort();
    this.sharedStore = nodeCount > 1 ? EmbeddedStore.start(dir.resolve("store"), storePort) : null;
    int clusterPort = 10_000 + random.nextInt(1_000) * 20;
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < nodeCount; i++) {
      members.append(i == 0 ? "" : ",").append("127.0.0.1:").append(clusterPort + i);
    }
    for (int i = 0; i < nodeCount; i++) {
      Map<String, Object> s = new HashMap<>();
      s.put("auth.jwtSecret", TestNodes.SECRET);
      s.put("cluster.name", "drill-" + seed + "-" + ProcessHandle.current().pid());
      s.put("cluster.port", clusterPort + i);
      s.put("cluster.members", members.toString());
      s.put("http.instances", 1);
      if (sharedStore != null) {
        s.put("store.mongoUri", sharedStore.uri());
      } else {
        s.put("store.dataDir", dir.resolve("node" + (i + 1) + "-data").toString());
        s.put("store.embeddedPort", storePort);
      }
      nodes.add(new NodeProcess("node" + (i + 1), dir, s));
    }
  }

  /** Runs the rounds, printing a row per round as it ends. */
  public List<Round> run(int rounds) {
    for (NodeProcess n : nodes) {
      n.start(Duration.ofSeconds(120));
    }
    campaignId = createCampaign();
    claimantCount = 2 * coupons;
    System.out.println(Round.header());
    List<Round> out = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      Round round = round(r);
      System.out.println(round.row());
      out.add(round);
    }
    return out;
  }

  private Round round(int number) {
    List<Actor> actors = new ArrayList<>();
    for (int i = 0; i < customers; i++) {
      actors.add(new Actor(this, "r" + number + "-cust-" + i, Actor.Kind.CUSTOMER));
    }
    actors.add(new Actor(this, "agent-" + (number % 2), Actor.Kind.AGENT));
    actors.add(new Actor(this, "r" + number + "-claims", Actor.Kind.CLAIMER));
    actors.forEach(Actor::start);
    long killAt = 500 + random.nextInt((int) Math.max(1, roundMs - 1000));
    NodeProcess victim = nodes.get(random.nextInt(nodes.size()));
    pauseMs(killAt);
    victim.kill();
    long down = System.nanoTime();
    victim.start(Duration.ofSeconds(120));
    long recoveryMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - down);
    pauseMs(Math.max(1000, roundMs - killAt));
    actors.forEach(Actor::finish);
    actors.forEach(Actor::join);
    return check(number, victim.name(), killAt, recoveryMs);
  }

  /** Compares what the clients were acknowledged with what MongoDB holds. */
  private Round check(int number, String killed, long killAt, long recoveryMs) {
    String uri = sharedStore != null ? sharedStore.uri() : "mongodb://127.0.0.1:" + storePort;
    try (Store store = new Store(vertx, uri, "livedesk")) {
      Map<String, Acked> byId = new HashMap<>();
      for (Acked a : acked) {
        byId.put(a.conversationId() + ":" + a.seq(), a);
      }
      Set<String> conversationIds = acked.stream().map(Acked::conversationId).collect(Collectors.toSet());
      List<Document> stored = store.all(store.collection(Conversations.MESSAGES)
          .find(Filters.in("conversationId", conversationIds))).await(60, TimeUnit.SECONDS);
      Map<String, Document> storedById = new HashMap<>();
      Map<String, List<Integer>> seqs = new HashMap<>();
      Map<String, Integer> copies = new HashMap<>();
      for (Document d : stored) {
        storedById.put(d.getString("_id"), d);
        seqs.computeIfAbsent(d.getString("conversationId"), k -> new ArrayList<>()).add(d.getInteger("seq"));
        copies.merge(d.getString("conversationId") + "/" + d.getString("senderId") + "/" + d.getString("clientMsgId"), 1, Integer::sum);
      }
      int missing = 0;
      for (Map.Entry<String, Acked> e : byId.entrySet()) {
        Document d = storedById.get(e.getKey());
        if (d == null || !e.getValue().clientMsgId().equals(d.getString("clientMsgId"))
            || !e.getValue().senderId().equals(d.getString("senderId"))) {
          missing++;
        }
      }
      int gaps = 0;
      for (List<Integer> s : seqs.values()) {
        int max = s.stream().mapToInt(Integer::intValue).max().orElse(0);
        gaps += max - new HashSet<>(s).size();
      }
      int duplicates = (int) copies.values().stream().filter(n -> n > 1).count();
      long grants = store.first(store.collection("coupon_grants").countDocuments(Filters.eq("campaign", campaignId)))
          .await(30, TimeUnit.SECONDS);
      Set<String> storedGrants = store.all(store.collection("coupon_grants").find(Filters.eq("campaign", campaignId)))
          .await(30, TimeUnit.SECONDS).stream().map(d -> d.getString("grantId")).collect(Collectors.toSet());
      Set<String> storedConversations = store.all(store.collection(Conversations.CONVERSATIONS)
          .find(Filters.in("_id", new HashSet<>(opened)))).await(30, TimeUnit.SECONDS).stream()
          .map(d -> d.getString("_id")).collect(Collectors.toSet());
      int lostConversations = (int) new HashSet<>(opened).stream().filter(id -> !storedConversations.contains(id)).count();
      Set<String> granted = new HashSet<>(grantedClaims);
      int missingClaims = (int) granted.stream().filter(g -> !storedGrants.contains(g)).count();
      return new Round(number, nodeCount, killed, killAt, new HashSet<>(opened).size(), lostConversations, byId.size(), missing, gaps, duplicates, grants, coupons,
          granted.size(), missingClaims, unacked.getAndSet(0), recoveryMs);
    } catch (Exception e) {
      throw new IllegalStateException("cannot check round " + number, e);
    }
  }

  /** Twice as many viewers as coupons are online when the campaign goes out; they claim during the rounds. */
  private String createCampaign() {
    String tag = "drill-claimant";
    List<WsClient> viewers = new ArrayList<>();
    try {
      for (int k = 0; k < 2 * coupons; k++) {
        viewers.add(WsClient.connect(nodes.get(k % nodes.size()).port(), Tokens.tagged(claimant(k), "viewer", tag)));
      }
      JsonObject body = new JsonObject().put("name", "crash drill")
          .put("coupon", new JsonObject().put("amountCents", 500).put("total", coupons))
          .put("target", new JsonObject().put("tags", new JsonArray().add(tag)));
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + nodes.get(0).port() + "/api/admin/campaigns"))
          .header("Authorization", "Bearer " + Tokens.of("drill-admin", "admin")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 201) {
        throw new IllegalStateException("campaign not created: " + r.statusCode() + " " + r.body());
      }
      viewers.forEach(v -> v.await(Frame::hasPush));
      return new JsonObject(r.body()).getString("id");
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the drill's campaign", e);
    } finally {
      viewers.forEach(WsClient::close);
    }
  }

  static String claimant(int k) {
    return "drill-claim-" + k;
  }

  /** A live node's port, chosen at random: clients spread and move on when theirs dies. */
  int anyPort(Random r) {
    return nodes.get(r.nextInt(nodes.size())).port();
  }

  static void pauseMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    nodes.forEach(NodeProcess::close);
    if (sharedStore != null) {
      sharedStore.close();
    }
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // the drill's own client threads; the process ends anyway
    }
  }

  /**
   * One client on a thread of its own, as a real app behaves: every message is resent with its
   * client id until acknowledged; a lost connection is opened again on any node.
   */
  static final class Actor {
    enum Kind { CUSTOMER, AGENT, CLAIMER }

    private final CrashDrill drill;
    private final String userId;
    private final Kind kind;
    private final Random random = new Random();
    private final Thread thread;
    private volatile boolean running = true;
    private WsClient ws;
    /** The connection on which the agent last went online: a new one starts offline. */
    private WsClient online;
    private String conversationId;
    private String claimingAs;
    private final List<String> held = new ArrayList<>();

    Actor(CrashDrill drill, String userId, Kind kind) {
      this.drill = drill;
      this.userId = userId;
      this.kind = kind;
      this.thread = new Thread(this::run, "drill-" + userId);
    }

    void start() {
      thread.start();
    }

    void finish() {
      running = false;
    }

    void join() {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(120));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (ws != null) {
        ws.close();
      }
    }

    private void run() {
      int n = 0;
      while (running) {
        n++;
        switch (kind) {
          case CUSTOMER -> {
            if (conversationId == null) {
              Frame f = untilAnswered(Frame.newBuilder().setAsk(Ask.newBuilder().setClientMsgId(userId + "-ask")
                  .setText("human please: my payment keeps failing")), true);
              if (f != null && f.hasConversation()) {
                conversationId = f.getConversation().getConversation().getId();
                drill.opened.add(conversationId);
              }
            } else {
              untilAnswered(send(userId + "-" + n), true);
              pauseMs(10);
            }
          }
          case AGENT -> {
            if (ws == null || ws != online) {
              untilAnswered(Frame.newBuilder().setAgentStatus(AgentStatus.newBuilder().setStatus(PresenceStatus.ONLINE)
                  .setCapacity(1000)), false);
              online = ws;
            }
            for (Frame f : ws == null ? List.<Frame>of() : ws.drain()) {
              if (f.hasOffer() && !f.getOffer().getWarning()) {
                Frame a = untilAnswered(Frame.newBuilder().setAccept(AcceptOffer.newBuilder().setOfferId(f.getOffer().getOfferId())
                    .setConversationId(f.getOffer().getConversation().getId())), false);
                if (a != null && a.hasConversation()) {
                  held.add(a.getConversation().getConversation().getId());
                }
              }
            }
            if (!held.isEmpty()) {
              conversationId = held.get(random.nextInt(held.size()));
              untilAnswered(send(userId + "-" + System.nanoTime()), true);
            }
            pauseMs(20);
          }
          case CLAIMER -> {
            // the next viewer the campaign reached, on a connection of their own
            int k = drill.claimants.getAndIncrement();
            if (k >= drill.claimantCount) {
              pauseMs(100);
              continue;
            }
            claimingAs = claimant(k);
            reconnectAs(claimingAs);
            Frame f = untilAnswered(Frame.newBuilder().setClaim(Claim.newBuilder().setCampaignId(drill.campaignId)), true);
            if (f != null && f.hasClaimResult() && f.getClaimResult().getGranted()) {
              drill.grantedClaims.add(f.getClaimResult().getGrantId());
            }
          }
        }
      }
    }

    private Frame.Builder send(String clientMsgId) {
      return Frame.newBuilder().setSend(Send.newBuilder().setConversationId(conversationId).setClientMsgId(clientMsgId)
          .setText("message " + clientMsgId));
    }

    /**
     * Sends until answered (reconnecting as often as it takes); an acknowledged message is recorded.
     * {@code mustAnswer}: keep at it after the round ended, as a client with a message in flight does.
     */
    private Frame untilAnswered(Frame.Builder frame, boolean mustAnswer) {
      long giveUpAt = System.currentTimeMillis() + 90_000;
      boolean counted = false;
      while ((running || mustAnswer) && System.currentTimeMillis() < giveUpAt) {
        try {
          if (ws == null || ws.isClosed()) {
            reconnectAs(kind == Kind.CLAIMER ? null : userId);
          }
          Frame reply = ws.requestKeepingOthers(frame.clone().clearId());
          if (reply.hasError() && reply.getError().getRetryable()) {
            pauseMs(reply.getError().getRetryAfterMs() > 0 ? reply.getError().getRetryAfterMs() : 100);
            continue;
          }
          if (reply.hasAck()) {
            drill.acked.add(new Acked(reply.getAck().getConversationId(), userId, reply.getAck().getClientMsgId(),
                reply.getAck().getSeq()));
          }
          if (reply.hasError() && (reply.getError().getCode() == ErrorCode.CONFLICT
              || reply.getError().getCode() == ErrorCode.NOT_FOUND)) {
            held.remove(conversationId); // closed, or no longer this agent's: nothing to answer there
          }
          if (counted) {
            drill.unacked.decrementAndGet();
          }
          return reply;
        } catch (RuntimeException | AssertionError e) {
          // the node died under us (or was slow to answer): the same frame again, on any live node
          if (!counted && mustAnswer) {
            drill.unacked.incrementAndGet();
            counted = true;
          }
          if (ws != null) {
            ws.close();
          }
          ws = null;
          pauseMs(100);
        }
      }
      return null;
    }

    private void reconnectAs(String who) {
      if (ws != null) {
        ws.close();
        ws = null;
      }
      String user = who == null ? claimingAs : who;
      String role = kind == Kind.AGENT ? "agent" : kind == Kind.CLAIMER ? "viewer" : "customer";
      for (int attempt = 0; attempt < 600 && ws == null; attempt++) {
        try {
          ws = WsClient.connect(drill.anyPort(random), Tokens.of(user, role));
        } catch (RuntimeException | AssertionError e) {
          pauseMs(100);
        }
      }
      if (ws == null) {
        throw new IllegalStateException(user + " could not reconnect to any node");
      }
    }
  }

  /** {@code --nodes 1|3 --rounds 20 --seed N --customers 6 --coupons 40 --roundMs 6000 --dir target/crash-drill} */
  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int nodes = Integer.parseInt(o.getOrDefault("nodes", "1"));
    long seed = Long.parseLong(o.getOrDefault("seed", Long.toString(System.currentTimeMillis())));
    Path dir = Path.of(o.getOrDefault("dir", "target/crash-drill/" + nodes + "-nodes-" + seed));
    Files.createDirectories(dir);
    System.out.println("crash drill: " + nodes + " node(s), seed " + seed + ", logs in " + dir);
    List<Round> rounds;
    try (CrashDrill drill = new CrashDrill(nodes, dir, seed, Integer.parseInt(o.getOrDefault("customers", "6")),
        Integer.parseInt(o.getOrDefault("coupons", "40")), Long.parseLong(o.getOrDefault("roundMs", "6000")))) {
      rounds = drill.run(Integer.parseInt(o.getOrDefault("rounds", "20")));
    }
    long failed = rounds.stream().filter(r -> !r.clean()).count();
    System.out.println(failed == 0 ? "PASS: " + rounds.size() + " rounds, nothing acknowledged lost" : "FAIL: " + failed + " round(s)");
    System.exit(failed == 0 ? 0 : 1);
  }
}
