package io.livedesk.server.push;

import com.mongodb.client.model.Filters;
import io.livedesk.protocol.Claim;
import io.livedesk.protocol.ClaimResult;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameCodec;
import io.livedesk.protocol.FrameException;
import io.livedesk.protocol.JoinRoom;
import io.livedesk.protocol.Ping;
import io.livedesk.protocol.Push;
import io.livedesk.protocol.PushOpened;
import io.livedesk.protocol.RoomNoticeKind;
import io.livedesk.protocol.Signal;
import io.livedesk.protocol.SignalKind;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Campaigns, delivery across two nodes, caps, claims and the cart-dwell rule. */
class PushesTest {

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static final int PER_HOUR = 3;
  private static Node a;
  private static Node b;
  private static AdminApi admin;

  @BeforeAll
  static void start() {
    Map<String, Object> settings = new HashMap<>();
    settings.put("push.maxPerUserPerHour", PER_HOUR);
    settings.put("gateway.connectsPerSecondPerIp", 100_000);
    a = nodes.start(settings);
    b = nodes.start(settings);
    admin = AdminApi.admin(client);
  }

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
  }

  // ------------------------------------------------------------------ admin API

  @Test
  void theCampaignApiIsForAdminsOnly() {
    JsonObject body = prompt("hi").put("target", users("nobody"));
    assertEquals(401, new AdminApi(client, null).call(a, HttpMethod.POST, CampaignRoutes.PATH, body).status());
    assertEquals(403, new AdminApi(client, Tokens.of("shopper", "customer")).call(a, HttpMethod.GET, CampaignRoutes.PATH, null).status());
    assertEquals(401, new AdminApi(client, "not-a-token").call(a, HttpMethod.GET, CampaignRoutes.PATH, null).status());
  }

  @Test
  void aBadCampaignIsRefusedWithItsReason() {
    AdminApi.Reply both = admin.call(a, HttpMethod.POST, CampaignRoutes.PATH,
        coupon(10).put("prompt", new JsonObject().put("text", new JsonObject().put("en", "x"))));
    assertEquals(400, both.status());
    assertTrue(both.body().getString("error").contains("exactly one"), both.body().encode());
    AdminApi.Reply noTotal = admin.call(a, HttpMethod.POST, CampaignRoutes.PATH,
        new JsonObject().put("coupon", new JsonObject().put("amountCents", 100)));
    assertEquals(400, noTotal.status());
    assertTrue(noTotal.body().getString("error").contains("total"), noTotal.body().encode());
  }

  @Test
  void aCampaignReachesEveryMatchingViewerOnBothNodesAndIsListedWithItsResults() {
    try (WsClient vipA = viewer(a, "tgt-vip-a", "vip"); WsClient vipB = viewer(b, "tgt-vip-b", "vip");
         WsClient plain = viewer(a, "tgt-plain"); WsClient vipElsewhere = viewer(b, "tgt-vip-away", "vip")) {
      for (WsClient c : List.of(vipA, vipB, plain)) {
        join(c, "tgt-room");
      }
      join(vipElsewhere, "tgt-other");
      JsonObject created = admin.create(a, prompt("新品上架").put("target",
          new JsonObject().put("rooms", new JsonArray().add("tgt-room")).put("tags", new JsonArray().add("vip"))));
      String id = created.getString("id");
      assertEquals("sent", created.getString("state"));
      for (WsClient c : List.of(vipA, vipB)) {
        Push push = c.await(Frame::hasPush).getPush();
        assertEquals(id, push.getCampaignId());
        assertEquals("新品上架", push.getPrompt().getText().getZh());
      }
      JsonObject results = admin.resultsOnce(b, id, "delivered", 2);
      assertEquals(2, results.getLong("targeted"));
      assertEquals(2, results.getLong("delivered"));
      assertFalse(plain.drain().stream().anyMatch(Frame::hasPush));
      assertFalse(vipElsewhere.drain().stream().anyMatch(Frame::hasPush));
      assertTrue(admin.call(b, HttpMethod.GET, CampaignRoutes.PATH, null).body().getJsonArray("campaigns").stream()
          .anyMatch(o -> ((JsonObject) o).getString("id").equals(id)));
      vipA.send(Frame.newBuilder().setPushOpened(PushOpened.newBuilder().setPushId(id).setCampaignId(id)));
      assertEquals(1, admin.resultsOnce(a, id, "opened", 1).getLong("opened"));
    }
  }

  @Test
  void aScheduledCampaignGoesAtItsTimeAndACancelledOneNever() {
    try (WsClient v = viewer(b, "sched-viewer")) {
      long at = System.currentTimeMillis() + 1500;
      JsonObject later = admin.create(a, prompt("later").put("target", users("sched-viewer")).put("at", at));
      assertEquals("scheduled", later.getString("state"));
      JsonObject never = admin.create(a, prompt("never").put("target", users("sched-viewer")).put("at", at));
      assertEquals(200, admin.call(b, HttpMethod.POST, CampaignRoutes.PATH + "/" + never.getString("id") + "/cancel", null).status());
      Frame push = v.await(Frame::hasPush);
      assertTrue(System.currentTimeMillis() >= at, "not before its time");
      assertEquals(later.getString("id"), push.getPush().getCampaignId());
      assertEquals("sent", admin.show(a, later.getString("id")).getString("state"));
      assertEquals("cancelled", admin.show(a, never.getString("id")).getString("state"));
    }
  }

  @Test
  void aCouponDropSlowsItsRoomDownAndTheRoomIsTold() {
    try (WsClient v = viewer(b, "drop-viewer")) {
      join(v, "drop-room");
      admin.create(a, coupon(50).put("target", new JsonObject().put("rooms", new JsonArray().add("drop-room"))));
      // The notice and the coupon travel different paths, so either may arrive first.
      List<Frame> seen = new ArrayList<>();
      v.await(f -> {
        if (f.hasRoomNotice() || f.hasPush()) {
          seen.add(f);
        }
        return seen.stream().anyMatch(Frame::hasRoomNotice) && seen.stream().anyMatch(Frame::hasPush);
      });
      assertEquals(RoomNoticeKind.SLOW_MODE_ON,
          seen.stream().filter(Frame::hasRoomNotice).findFirst().orElseThrow().getRoomNotice().getKind());
      assertTrue(seen.stream().filter(Frame::hasPush).findFirst().orElseThrow().getPush().hasCoupon());
    }
  }

  // ------------------------------------------------------------------ caps

  @Test
  void noUserReceivesMoreThanKPushesAnHour() {
    try (WsClient v = viewer(a, "capped")) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i <= PER_HOUR; i++) {
        ids.add(admin.create(b, prompt("cap " + i).put("target", users("capped"))).getString("id"));
      }
      for (int i = 0; i < PER_HOUR; i++) {
        v.await(Frame::hasPush);
      }
      JsonObject last = admin.resultsOnce(a, ids.get(PER_HOUR), "targeted", 1);
      assertEquals(0, last.getLong("delivered"), "the push over the cap is not delivered");
      assertFalse(v.drain().stream().anyMatch(Frame::hasPush));
    }
  }

  // ------------------------------------------------------------------ the cart-dwell rule

  @Test
  void theCartDwellRuleFiresOnceAfterTheDwellAndNotBefore() {
    try (WsClient v = customer(a, "dweller")) {
      assertEquals(List.of(), pushesWhileDwelling(v, a, 19), "not before 20 s");
      List<Push> pushes = pushesWhileDwelling(v, a, 20);
      assertEquals(1, pushes.size());
      assertEquals("您可能感兴趣", pushes.get(0).getPrompt().getText().getZh());
      assertEquals("You might also like", pushes.get(0).getPrompt().getText().getEn());
      assertEquals("sku-1", pushes.get(0).getPrompt().getProductId());
      assertEquals(List.of(), pushesWhileDwelling(v, a, 45), "it fires once");
    }
  }

  @Test
  void aPriceSensitiveViewerGetsACouponFromTheCartDwellRuleAndAnOrderConvertsIt() {
    try (WsClient v = WsClient.connect(b.port(), Tokens.tagged("bargain", "customer", "price_sensitive"))) {
      List<Push> pushes = pushesWhileDwelling(v, b, 30);
      assertEquals(1, pushes.size());
      Push push = pushes.get(0);
      assertTrue(push.hasCoupon());
      ClaimResult claimed = claim(v, push.getCampaignId());
      assertTrue(claimed.getGranted(), claimed.toString());
      v.send(Frame.newBuilder().setSignal(Signal.newBuilder().setKind(SignalKind.ORDER_PLACED).setOrderId("o-1")));
      assertEquals(1, admin.resultsOnce(a, push.getCampaignId(), "converted", 1).getLong("converted"));
    }
  }

  // ------------------------------------------------------------------ claims

  @Test
  void aRetriedClaimReturnsTheSameGrantAndASoldOutOrExpiredCouponSaysSo() throws Exception {
    try (WsClient first = customer(a, "claim-first"); WsClient second = customer(b, "claim-second")) {
      String one = admin.create(a, coupon(1).put("target", users("claim-first", "claim-second"))).getString("id");
      first.await(Frame::hasPush);
      second.await(Frame::hasPush);
      ClaimResult granted = claim(first, one);
      assertTrue(granted.getGranted());
      assertEquals(0, granted.getRemaining());
      assertEquals(granted.getGrantId(), claim(first, one).getGrantId(), "a retry gets the same grant");
      ClaimResult soldOut = claim(second, one);
      assertFalse(soldOut.getGranted());
      assertEquals(ErrorCode.SOLD_OUT, soldOut.getReason());

      long expires = System.currentTimeMillis() + 1000;
      JsonObject shortLived = coupon(10).put("target", users("claim-second"));
      shortLived.getJsonObject("coupon").put("expiresAt", expires);
      String soon = admin.create(a, shortLived).getString("id");
      second.await(f -> f.hasPush() && f.getPush().getCampaignId().equals(soon));
      Thread.sleep(Math.max(0, expires - System.currentTimeMillis() + 50)); // the coupon's own clock, not synchronisation
      assertEquals(ErrorCode.COUPON_EXPIRED, claim(second, soon).getReason());
      assertEquals(ErrorCode.NOT_FOUND, first.request(claimFrame("no-such-campaign")).getError().getCode());
    }
  }

  /** A coupon id learnt elsewhere (another viewer's screen, the rule's fixed id) is worth nothing to whom it never reached. */
  @Test
  void aCouponIsGrantedOnlyToAViewerItsPushReached() {
    try (WsClient reached = customer(a, "reach-yes"); WsClient stranger = customer(b, "reach-no")) {
      String id = admin.create(a, coupon(10).put("target", users("reach-yes"))).getString("id");
      reached.await(Frame::hasPush);
      assertEquals(ErrorCode.NOT_FOUND, stranger.request(claimFrame(id)).getError().getCode());
      assertEquals(ErrorCode.NOT_FOUND, stranger.request(claimFrame(Behaviour.COUPON_CAMPAIGN)).getError().getCode(),
          "the cart-dwell rule's coupon only after the rule sent it");
      assertTrue(claim(reached, id).getGranted(), "on the node that delivered it");
      try (WsClient elsewhere = customer(b, "reach-yes")) {
        assertTrue(claim(elsewhere, id).getGranted(), "and from another node: the reach is in MongoDB");
      }
      // an open reported by a user the push never reached counts nothing; a repeated one counts once
      stranger.send(Frame.newBuilder().setPushOpened(PushOpened.newBuilder().setPushId(id).setCampaignId(id)));
      reached.send(Frame.newBuilder().setPushOpened(PushOpened.newBuilder().setPushId(id).setCampaignId(id)));
      reached.send(Frame.newBuilder().setPushOpened(PushOpened.newBuilder().setPushId(id).setCampaignId(id)));
      assertEquals(1, admin.resultsOnce(a, id, "opened", 1).getLong("opened"));
    }
  }

  @Test
  void twoThousandConcurrentClaimsForAHundredCouponsAcrossTwoNodesGrantExactlyAHundredOncePerUser() throws Exception {
    String tag = "crowd-" + System.nanoTime();
    int users = 1000;
    java.util.concurrent.CountDownLatch welcomed = new java.util.concurrent.CountDownLatch(users);
    WebSocketClient sockets = client.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(2 * users));
    Map<String, List<ClaimResult>> results = new ConcurrentHashMap<>();
    List<WebSocket> open = new CopyOnWriteArrayList<>();
    List<Future<WebSocket>> connecting = new ArrayList<>();
    for (int i = 0; i < users; i++) {
      String user = "crowd-" + i;
      Node node = i % 2 == 0 ? a : b;
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port())
          .setURI("/ws").addHeader("Authorization", "Bearer " + Tokens.tagged(user, "customer", tag));
      // The handler goes on before connecting, so the Welcome cannot pass before it.
      ClientWebSocket ws = sockets.webSocket();
      ws.textMessageHandler(text -> {
        Frame f = decode(text);
        if (f.hasWelcome()) {
          welcomed.countDown();
        } else if (f.hasPush()) {
          // Both claims at once: the same user racing against themselves as well as the crowd.
          ws.writeTextMessage(FrameCodec.toJson(claimFrame(f.getPush().getCampaignId()).setId("1").build()));
          ws.writeTextMessage(FrameCodec.toJson(claimFrame(f.getPush().getCampaignId()).setId("2").build()));
        } else if (f.hasClaimResult()) {
          results.computeIfAbsent(user, u -> new CopyOnWriteArrayList<>()).add(f.getClaimResult());
        }
      });
      connecting.add(ws.connect(options).onSuccess(open::add));
    }
    try {
      Future.all(connecting).await(60, TimeUnit.SECONDS);
      assertTrue(welcomed.await(60, TimeUnit.SECONDS), "every viewer is online before the campaign goes");
      String id = admin.create(a, coupon(100).put("target", new JsonObject().put("tags", new JsonArray().add(tag)))).getString("id");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (results.values().stream().mapToInt(List::size).sum() < 2 * users && System.nanoTime() < deadline) {
        Thread.sleep(50); // waiting for 2,000 answers to arrive
      }
      assertEquals(2 * users, results.values().stream().mapToInt(List::size).sum(), "every claim is answered");
      Set<String> winners = results.entrySet().stream()
          .filter(e -> e.getValue().stream().anyMatch(ClaimResult::getGranted)).map(Map.Entry::getKey)
          .collect(Collectors.toSet());
      assertEquals(100, winners.size(), "exactly 100 users hold a coupon");
      for (String w : winners) {
        List<ClaimResult> both = results.get(w);
        assertTrue(both.stream().allMatch(ClaimResult::getGranted), "a winner's second claim returns the grant");
        assertEquals(1, both.stream().map(ClaimResult::getGrantId).distinct().count(), "one grant per user");
      }
      assertTrue(results.values().stream().flatMap(List::stream).filter(r -> !r.getGranted())
          .allMatch(r -> r.getReason() == ErrorCode.SOLD_OUT));
      List<Document> grants = a.store().all(a.store().collection(Claims.COLLECTION).find(Filters.eq("campaign", id)))
          .await(20, TimeUnit.SECONDS);
      assertEquals(100, grants.size(), "exactly 100 grants stored");
      assertEquals(100, grants.stream().map(g -> g.getString("user")).distinct().count(), "no user twice");
      assertEquals(100, admin.show(b, id).getJsonObject("results").getLong("claimed"));
      assertEquals(0, admin.show(b, id).getJsonObject("results").getLong("remaining"));
    } finally {
      open.forEach(WebSocket::close);
      sockets.close();
    }
  }

  /**
   * The coupons-left count lives in Hazelcast for speed; losing it (members lost beyond the
   * backups, a whole-cluster restart) must neither oversell nor block: it is counted again from
   * the grants in MongoDB, while claims are still running.
   */
  @Test
  void aCouponCountLostMidCampaignIsRebuiltFromTheGrantsAndNeverOversells() throws Exception {
    int total = 30;
    String tag = "wipe-" + System.nanoTime();
    List<List<WsClient>> groups = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      List<WsClient> group = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        group.add(WsClient.connect((t % 2 == 0 ? a : b).port(), Tokens.tagged("wipe-" + t + "-" + i, "customer", tag)));
      }
      groups.add(group);
    }
    String id = admin.create(a, coupon(total).put("target", new JsonObject().put("tags", new JsonArray().add(tag)))).getString("id");
    groups.forEach(g -> g.forEach(c -> c.await(Frame::hasPush)));
    com.hazelcast.map.IMap<String, Object> left = a.hazelcast().getMap(io.livedesk.server.cluster.Addresses.COUPONS_LEFT);
    List<ClaimResult> answered = new CopyOnWriteArrayList<>();
    List<Thread> crowd = new ArrayList<>();
    for (List<WsClient> group : groups) {
      crowd.add(new Thread(() -> group.forEach(c -> answered.add(claim(c, id)))));
    }
    crowd.forEach(Thread::start);
    // Lose the count again and again while the crowd claims.
    int wiped = 0;
    while (crowd.stream().anyMatch(Thread::isAlive)) {
      if (left.remove(id) != null) {
        wiped++;
      }
      Thread.sleep(5); // pacing the fault, not waiting for anything
    }
    for (Thread t : crowd) {
      t.join();
    }
    groups.forEach(g -> g.forEach(WsClient::close));
    assertTrue(wiped >= 2, "the count was lost mid campaign (" + wiped + " times)");
    assertEquals(120, answered.size());
    List<ClaimResult> granted = answered.stream().filter(ClaimResult::getGranted).toList();
    assertEquals(total, granted.size(), "every coupon granted once, none beyond the total: " + answered.stream()
        .filter(r -> !r.getGranted()).map(r -> r.getReason().name()).collect(Collectors.groupingBy(r -> r, Collectors.counting())));
    assertTrue(answered.stream().filter(r -> !r.getGranted()).allMatch(r -> r.getReason() == ErrorCode.SOLD_OUT));
    List<Document> grants = a.store().all(a.store().collection(Claims.COLLECTION).find(Filters.eq("campaign", id)))
        .await(20, TimeUnit.SECONDS);
    assertEquals(total, grants.size(), "exactly the total stored");
    assertEquals(total, grants.stream().map(g -> g.getString("slot")).distinct().count(), "each in a slot of its own");
    left.remove(id);
    assertEquals(0, admin.show(b, id).getJsonObject("results").getLong("remaining"), "counted from the grants once lost");
  }

  // ------------------------------------------------------------------ helpers

  static WsClient viewer(Node node, String user, String... tags) {
    return WsClient.connect(node.port(), Tokens.tagged(user, "viewer", tags));
  }

  static WsClient customer(Node node, String user) {
    return WsClient.connect(node.port(), Tokens.of(user, "customer"));
  }

  static void join(WsClient c, String room) {
    assertTrue(c.request(Frame.newBuilder().setJoinRoom(JoinRoom.newBuilder().setRoomId(room))).hasRoomJoined());
  }

  /**
   * Reports a cart dwell (a signal has no answer) and answers the pushes it brought: once the node
   * has counted the rule's outcome, or found the dwell too short, a ping's pong follows any push.
   */
  static List<Push> pushesWhileDwelling(WsClient c, Node node, int seconds) {
    long decided = ruleOutcomes(node);
    c.send(Frame.newBuilder().setSignal(Signal.newBuilder().setKind(SignalKind.CART_DWELL)
        .setProductId("sku-1").setDwellSeconds(seconds)));
    if (seconds >= 20) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (ruleOutcomes(node) == decided) {
        assertTrue(System.nanoTime() < deadline, "the rule never decided");
        try {
          Thread.sleep(5); // polling a counter the node updates when the rule has decided
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
    String ping = c.send(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(1)));
    List<Push> pushes = new ArrayList<>();
    c.await(f -> {
      if (f.hasPush()) {
        pushes.add(f.getPush());
      }
      return f.getReplyTo().equals(ping);
    });
    return pushes;
  }

  /** How often the cart-dwell rule decided something on this node, whatever the outcome. */
  static long ruleOutcomes(Node node) {
    return node.metrics().scrape().lines().filter(l -> l.startsWith("livedesk_push_rule_outcomes_total{"))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  static Frame.Builder claimFrame(String campaignId) {
    return Frame.newBuilder().setClaim(Claim.newBuilder().setCampaignId(campaignId));
  }

  static ClaimResult claim(WsClient c, String campaignId) {
    Frame reply = c.request(claimFrame(campaignId));
    assertTrue(reply.hasClaimResult(), reply.toString());
    return reply.getClaimResult();
  }

  static JsonObject prompt(String zh) {
    return new JsonObject().put("prompt", new JsonObject().put("text", new JsonObject().put("zh", zh).put("en", "en: " + zh))
        .put("productId", "sku-9"));
  }

  static JsonObject coupon(int total) {
    return new JsonObject().put("coupon", new JsonObject().put("amountCents", 500).put("total", total)
        .put("title", new JsonObject().put("zh", "满减券").put("en", "5 off")));
  }

  static JsonObject users(String... ids) {
    return new JsonObject().put("users", new JsonArray(List.of(ids)));
  }

  static Frame decode(String text) {
    try {
      return FrameCodec.fromJson(text);
    } catch (FrameException e) {
      throw new AssertionError(e);
    }
  }
}
