package io.livedesk.server.room;

import io.livedesk.protocol.Ask;
import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.JoinRoom;
import io.livedesk.protocol.Moderate;
import io.livedesk.protocol.ModerationAction;
import io.livedesk.protocol.Pin;
import io.livedesk.protocol.RoomJoined;
import io.livedesk.protocol.RoomMessage;
import io.livedesk.protocol.RoomNotice;
import io.livedesk.protocol.RoomNoticeKind;
import io.livedesk.protocol.Say;
import io.livedesk.protocol.SupervisorWatch;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Live rooms on a two-node cluster: fan-out, join state, limits and moderation, batching. */
class RoomsTest {

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static Node a;
  private static Node b;

  @BeforeAll
  static void start() {
    Map<String, Object> settings = new HashMap<>();
    // Generous frame limits so one client can say hundreds of messages at once.
    settings.put("gateway.framesPerSecond", 2000);
    settings.put("gateway.frameBurst", 2000);
    settings.put("gateway.userFramesPerSecond", 2000);
    settings.put("gateway.userFrameBurst", 2000);
    settings.put("rooms.viewerCountIntervalMs", 200);
    settings.put("rooms.autoSlowRate", 30);
    settings.put("rooms.autoSlowHoldSeconds", 1);
    // A fixed port for node a: its gateway instances share it and its connections spread over their
    // event loops, as in production (on port 0 each instance binds a random port of its own and the
    // tests would reach one loop only).
    Map<String, Object> onFixedPort = new HashMap<>(settings);
    onFixedPort.put("http.port", freePort());
    a = nodes.start(onFixedPort);
    b = nodes.start(settings);
  }

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
  }

  // ------------------------------------------------------------------ fan-out

  @Test
  void aMessageSaidOnNodeAReachesMembersOnNodesAAndBOnceEach() {
    try (WsClient alice = viewer(a, "fan-alice"); WsClient bob = viewer(b, "fan-bob"); WsClient carol = viewer(a, "fan-carol")) {
      for (WsClient c : List.of(alice, bob, carol)) {
        join(c, "fan");
      }
      assertOk(say(alice, "fan", "hello everyone"));
      for (WsClient c : List.of(alice, bob, carol)) {
        assertEquals("hello everyone", nextRoomMessage(c).getText());
      }
      assertOk(say(alice, "fan", "second"));
      for (WsClient c : List.of(alice, bob, carol)) {
        assertEquals("second", nextRoomMessage(c).getText(), "the first message came once only");
      }
    }
  }

  @Test
  void aJsonClientAndAProtobufClientExchangeARoomMessage() {
    try (WsClient json = viewer(a, "enc-json");
         WsClient proto = WsClient.to(b.port()).bearer(Tokens.of("enc-proto", "viewer")).protobuf().open()) {
      proto.await(Frame::hasWelcome);
      join(json, "enc");
      join(proto, "enc");
      assertOk(say(json, "enc", "来自浏览器 from json"));
      assertEquals("来自浏览器 from json", nextRoomMessage(proto).getText());
      assertEquals("来自浏览器 from json", nextRoomMessage(json).getText());
      assertOk(say(proto, "enc", "from protobuf 来自手机"));
      RoomMessage m = nextRoomMessage(json);
      assertEquals("from protobuf 来自手机", m.getText());
      assertEquals("enc-proto", m.getUserId());
    }
  }

  @Test
  void sayingInARoomOneHasNotJoinedIsRefused() {
    try (WsClient c = viewer(a, "stranger")) {
      assertError(ErrorCode.NOT_IN_ROOM, say(c, "elsewhere", "hi"));
    }
  }

  // ------------------------------------------------------------------ join

  @Test
  void joiningGivesTheLastMessagesThePinAndTheViewerCount() {
    try (WsClient host = moderator(a, "join-host"); WsClient early = viewer(a, "join-early")) {
      join(host, "join");
      join(early, "join");
      for (int i = 1; i <= 55; i++) {
        host.send(sayFrame("join", "m" + i));
      }
      assertOk(host.request(Frame.newBuilder().setPin(Pin.newBuilder().setRoomId("join").setProductId("sku-42")
          .setAnnouncement("今晚 8 点开抢"))));
      try (WsClient late = viewer(a, "join-late"); WsClient remote = viewer(b, "join-remote")) {
        RoomJoined joined = join(late, "join");
        assertEquals(50, joined.getHistoryCount());
        assertEquals("m6", joined.getHistory(0).getText());
        assertEquals("m55", joined.getHistory(49).getText());
        assertEquals("sku-42", joined.getPinned().getProductId());
        assertEquals("今晚 8 点开抢", joined.getPinned().getAnnouncement());
        assertEquals(3, joined.getViewers());
        join(remote, "join");
        // The count is shared across nodes: everyone soon sees four.
        early.await(f -> f.hasViewerCount() && f.getViewerCount().getCount() == 4);
        remote.await(f -> f.hasViewerCount() && f.getViewerCount().getCount() == 4);
      }
    }
  }

  @Test
  void aPinReachesTheRoomAndOnlyModeratorsMayPin() {
    try (WsClient host = moderator(a, "pin-host"); WsClient v = viewer(b, "pin-viewer")) {
      join(host, "pin");
      join(v, "pin");
      assertError(ErrorCode.FORBIDDEN, v.request(Frame.newBuilder().setPin(Pin.newBuilder().setRoomId("pin").setProductId("x"))));
      assertOk(host.request(Frame.newBuilder().setPin(Pin.newBuilder().setRoomId("pin").setProductId("sku-7"))));
      assertEquals("sku-7", v.await(Frame::hasPinned).getPinned().getProductId());
    }
  }

  @Test
  void aQuestionAskedFromARoomCarriesTheRoomItsPinnedProductAndTheStreamTime() {
    try (WsClient host = moderator(a, "ask-host"); WsClient v = viewer(b, "ask-viewer")) {
      join(host, "ask-room");
      join(v, "ask-room");
      assertOk(host.request(Frame.newBuilder().setPin(Pin.newBuilder().setRoomId("ask-room").setProductId("sku-9"))));
      Conversation c = v.request(Frame.newBuilder().setAsk(Ask.newBuilder().setRoomId("ask-room").setStreamTs(754_000)
          .setClientMsgId("ask-1").setText("这个尺码偏大吗"))).getConversation().getConversation();
      assertEquals("ask-room", c.getRoomId());
      assertEquals("sku-9", c.getProductId());
      assertEquals(754_000, c.getStreamTs());
      Conversation explicit = v.request(Frame.newBuilder().setAsk(Ask.newBuilder().setRoomId("ask-room").setProductId("sku-1")
          .setClientMsgId("ask-2").setText("what about this one?"))).getConversation().getConversation();
      assertEquals("sku-1", explicit.getProductId(), "a product the viewer names wins over the pin");
    }
  }

  @Test
  void supervisorsSeeTheViewersOfEveryRoomAcrossTheCluster() {
    try (WsClient x = viewer(a, "count-x"); WsClient y = viewer(b, "count-y"); WsClient z = viewer(b, "count-z");
         WsClient boss = WsClient.connect(a.port(), Tokens.of("count-boss", "supervisor"))) {
      for (WsClient c : List.of(x, y, z)) {
        join(c, "counted");
      }
      boss.request(Frame.newBuilder().setSupervisorWatch(SupervisorWatch.newBuilder().setOn(true)));
      boss.await(f -> f.hasSupervisorView() && f.getSupervisorView().getViewersByRoomOrDefault("counted", 0) == 3);
    }
  }

  // ------------------------------------------------------------------ limits

  @Test
  void slowModeRefusesASecondMessageTooSoonButNotAModerators() {
    try (WsClient host = moderator(a, "slow-host"); WsClient v = viewer(b, "slow-viewer")) {
      join(host, "slow");
      join(v, "slow");
      assertOk(moderate(host, "slow", ModerationAction.SET_SLOW_MODE, "", 30));
      RoomNotice on = v.await(f -> f.hasRoomNotice()).getRoomNotice();
      assertEquals(RoomNoticeKind.SLOW_MODE_ON, on.getKind());
      assertEquals(30, on.getSeconds());
      assertOk(say(v, "slow", "one"));
      assertError(ErrorCode.SLOW_MODE, say(v, "slow", "two"));
      assertOk(say(host, "slow", "mods are exempt"));
      assertOk(say(host, "slow", "still exempt"));
    }
  }

  @Test
  void aMessageOverTheLengthLimitIsRefused() {
    try (WsClient v = viewer(a, "long-viewer")) {
      join(v, "long");
      assertError(ErrorCode.TOO_LONG, say(v, "long", "字".repeat(201)));
      assertOk(say(v, "long", "字".repeat(200)));
    }
  }

  @Test
  void aBlockedTermInChineseOrEnglishIsRefused() {
    try (WsClient v = viewer(a, "term-viewer")) {
      join(v, "term");
      assertError(ErrorCode.BLOCKED_TERM, say(v, "term", "便宜 加 微信 123"));
      assertError(ErrorCode.BLOCKED_TERM, say(v, "term", "this is a SCAM"));
      assertOk(say(v, "term", "这件衣服有 L 码吗"));
    }
  }

  @Test
  void personalDataSaidInARoomIsMaskedForEveryoneWhoSeesIt() {
    try (WsClient v = viewer(a, "pii-viewer"); WsClient other = viewer(b, "pii-other")) {
      join(v, "pii");
      join(other, "pii");
      assertOk(say(v, "pii", "加我 13912345678 或 １３９１２３４５６７８ 身份证 11010519491231123X"));
      assertEquals("加我 *******5678 或 *******５６７８ 身份证 **************123X", nextRoomMessage(other).getText());
    }
  }

  @Test
  void aBlockedTermSplitByZeroWidthCharactersOrWrittenFullWidthIsStillRefused() {
    try (WsClient v = viewer(a, "term-viewer-2")) {
      join(v, "term2");
      assertError(ErrorCode.BLOCKED_TERM, say(v, "term2", "加\u200b微\u200d信 123"));
      assertError(ErrorCode.BLOCKED_TERM, say(v, "term2", "this is a ｓｃａｍ"));
      assertError(ErrorCode.BLOCKED_TERM, say(v, "term2", "S\u00adC\ufeffA\u2060M"));
      assertError(ErrorCode.BLOCKED_TERM, say(v, "term2", "ＦＵＣＫ"));
      assertOk(say(v, "term2", "ｓｃａｌｅ is fine"));
    }
  }

  @Test
  void aMutedUserIsRefusedUntilUnmutedAndTheRoomIsTold() {
    try (WsClient host = moderator(a, "mute-host"); WsClient v = viewer(b, "mute-viewer")) {
      join(host, "mute");
      join(v, "mute");
      assertOk(moderate(host, "mute", ModerationAction.MUTE, "mute-viewer", 600));
      RoomNotice notice = host.await(Frame::hasRoomNotice).getRoomNotice();
      assertEquals(RoomNoticeKind.USER_MUTED, notice.getKind());
      assertEquals("mute-viewer", notice.getUserId());
      assertError(ErrorCode.MUTED, say(v, "mute", "let me talk"));
      assertOk(moderate(host, "mute", ModerationAction.UNMUTE, "mute-viewer", 0));
      assertOk(say(v, "mute", "thanks"));
    }
  }

  @Test
  void aBannedUserIsRemovedAndCannotRejoin() {
    try (WsClient host = moderator(a, "ban-host"); WsClient v = viewer(b, "ban-viewer")) {
      join(host, "ban");
      join(v, "ban");
      assertOk(moderate(host, "ban", ModerationAction.BAN, "ban-viewer", 0));
      assertEquals(RoomNoticeKind.USER_BANNED, v.await(Frame::hasRoomNotice).getRoomNotice().getKind());
      assertError(ErrorCode.BANNED, v.request(joinFrame("ban")));
      Frame said = say(v, "ban", "am I still here?");
      assertTrue(said.hasError() && (said.getError().getCode() == ErrorCode.NOT_IN_ROOM
          || said.getError().getCode() == ErrorCode.BANNED), said.toString());
    }
  }

  @Test
  void aDeletedMessageIsRetractedOnEveryScreenAndLeavesTheHistory() {
    try (WsClient host = moderator(a, "del-host"); WsClient v = viewer(b, "del-viewer")) {
      join(host, "del");
      join(v, "del");
      assertOk(say(v, "del", "spam spam"));
      String id = nextRoomMessage(host).getMessageId();
      assertOk(host.request(Frame.newBuilder().setModerate(Moderate.newBuilder().setRoomId("del")
          .setAction(ModerationAction.DELETE_MESSAGE).setMessageId(id))));
      for (WsClient c : List.of(host, v)) {
        RoomNotice n = c.await(Frame::hasRoomNotice).getRoomNotice();
        assertEquals(RoomNoticeKind.MESSAGE_DELETED, n.getKind());
        assertEquals(id, n.getMessageId());
      }
      try (WsClient late = viewer(a, "del-late")) {
        assertTrue(join(late, "del").getHistoryList().stream().noneMatch(m -> m.getMessageId().equals(id)));
      }
    }
  }

  @Test
  void onlyModeratorsModerateAndAnAdminCanGrantARoomModerator() {
    try (WsClient admin = WsClient.connect(a.port(), Tokens.of("grant-admin", "admin"));
         WsClient v = viewer(a, "grant-viewer"); WsClient other = viewer(b, "grant-other")) {
      join(v, "grant");
      join(other, "grant");
      assertError(ErrorCode.FORBIDDEN, moderate(v, "grant", ModerationAction.MUTE, "grant-other", 60));
      assertError(ErrorCode.FORBIDDEN, moderate(v, "grant", ModerationAction.GRANT_MODERATOR, "grant-viewer", 0));
      assertOk(moderate(admin, "grant", ModerationAction.GRANT_MODERATOR, "grant-viewer", 0));
      assertOk(moderate(v, "grant", ModerationAction.MUTE, "grant-other", 60));
      assertError(ErrorCode.MUTED, say(other, "grant", "hey"));
    }
  }

  @Test
  void aModeratorByGrantCannotBanOrMuteStaffAndStaffAreNeverSilencedByTheRoom() {
    try (WsClient admin = WsClient.connect(a.port(), Tokens.of("staff-admin", "admin"));
         WsClient granted = viewer(b, "staff-granted"); WsClient mod = moderator(a, "staff-mod")) {
      join(admin, "staff");
      join(granted, "staff");
      assertOk(moderate(admin, "staff", ModerationAction.GRANT_MODERATOR, "staff-granted", 0));
      assertError(ErrorCode.FORBIDDEN, moderate(granted, "staff", ModerationAction.BAN, "staff-admin", 0));
      assertError(ErrorCode.FORBIDDEN, moderate(granted, "staff", ModerationAction.MUTE, "staff-admin", 60));
      // A moderator-role user who has not joined yet is not known to the room; the ban lands but binds nothing.
      moderate(granted, "staff", ModerationAction.BAN, "staff-mod", 0);
      join(mod, "staff");
      assertOk(say(mod, "staff", "still here"));
      assertOk(say(admin, "staff", "me too"));
      assertError(ErrorCode.FORBIDDEN, moderate(granted, "staff", ModerationAction.MUTE, "staff-mod", 60));
    }
  }

  @Test
  void slowModeSwitchesItselfOnPastTheRateThresholdAndOffAfter() {
    try (WsClient host = moderator(a, "auto-host"); WsClient v = viewer(b, "auto-viewer")) {
      join(host, "auto");
      join(v, "auto");
      for (int i = 0; i < 40; i++) {
        host.send(sayFrame("auto", "busy " + i));
      }
      RoomNotice on = v.await(f -> f.hasRoomNotice()).getRoomNotice();
      assertEquals(RoomNoticeKind.SLOW_MODE_ON, on.getKind());
      RoomNotice off = v.await(f -> f.hasRoomNotice()).getRoomNotice();
      assertEquals(RoomNoticeKind.SLOW_MODE_OFF, off.getKind());
    }
  }

  // ------------------------------------------------------------------ batching

  @Test
  void atAHighRateASocketReceivesBatchedFramesAndEveryMessageExactlyOnce() {
    int count = 300;
    try (WsClient host = moderator(a, "batch-host"); WsClient local = viewer(a, "batch-local");
         WsClient remote = viewer(b, "batch-remote")) {
      join(host, "batch");
      join(local, "batch");
      join(remote, "batch");
      IntStream.range(0, count).forEach(i -> host.send(sayFrame("batch", "n" + i)));
      for (WsClient c : List.of(local, remote)) {
        List<String> seen = new ArrayList<>();
        int batches = 0;
        while (seen.size() < count) {
          Frame f = c.await(x -> x.hasRoomMessage() || x.hasRoomBatch(), Duration.ofSeconds(20));
          if (f.hasRoomBatch()) {
            batches++;
            f.getRoomBatch().getMessagesList().forEach(m -> seen.add(m.getText()));
          } else {
            seen.add(f.getRoomMessage().getText());
          }
        }
        // Messages said concurrently are checked concurrently, so their order may vary; their number may not.
        assertEquals(count, seen.size());
        assertEquals(IntStream.range(0, count).mapToObj(i -> "n" + i).collect(Collectors.toSet()), Set.copyOf(seen),
            "every message, none twice");
        assertTrue(batches > 0, "a busy room is sent in batches");
        assertFalse(c.drain().stream().anyMatch(x -> x.hasRoomMessage() || x.hasRoomBatch()), "nothing extra");
      }
    }
  }

  @Test
  void whileABatchIsStillBeingWrittenTheNextMessagesWaitAndGoTogether() throws Exception {
    int count = 20;
    try (WsClient host = moderator(b, "inflight-host"); WsClient viewer = viewer(a, "inflight-viewer")) {
      join(host, "inflight");
      join(viewer, "inflight");
      assertOk(say(host, "inflight", "first"));
      assertEquals("first", nextRoomMessage(viewer).getText());
      // The viewer's event loop is busy for a while (a big room being written, say): everything
      // said meanwhile must wait for it as one batch, not queue up behind it as a frame per window.
      CountDownLatch busy = new CountDownLatch(1);
      a.rooms().forEachMember("inflight", s -> {
        busy.countDown();
        long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
      });
      assertTrue(busy.await(5, TimeUnit.SECONDS));
      assertOk(say(host, "inflight", "n0"));
      for (int i = 1; i < count; i++) {
        Thread.sleep(60); // more than a batch window apart: each would be a frame of its own
        host.send(sayFrame("inflight", "n" + i));
      }
      List<String> seen = new ArrayList<>();
      int frames = 0;
      while (seen.size() < count) {
        Frame f = viewer.await(x -> x.hasRoomMessage() || x.hasRoomBatch(), Duration.ofSeconds(20));
        frames++;
        if (f.hasRoomBatch()) {
          f.getRoomBatch().getMessagesList().forEach(m -> seen.add(m.getText()));
        } else {
          seen.add(f.getRoomMessage().getText());
        }
      }
      // Sent without awaiting each answer, so two may be checked out of order; none may be lost or doubled.
      assertEquals(count, seen.size());
      assertEquals(IntStream.range(0, count).mapToObj(i -> "n" + i).collect(Collectors.toSet()), Set.copyOf(seen));
      assertTrue(frames <= 3, count + " messages came in " + frames + " frames");
    }
  }

  @Test
  void aBusyEventLoopHoldsBackOnlyItsOwnMembersWhoThenGetTheMessagesInOrderInOneBatch() throws Exception {
    String room = "loops";
    List<WsClient> clients = new ArrayList<>();
    AtomicBoolean release = new AtomicBoolean();
    try {
      // Moderators, so that automatic slow mode lets every message through.
      for (int i = 0; i < 6; i++) {
        WsClient c = moderator(a, "loops-" + i);
        clients.add(c);
        join(c, room);
      }
      // Which event loop each member lives on (connections are spread over the gateway's loops).
      Map<String, Thread> loopOf = new ConcurrentHashMap<>();
      a.rooms().forEachMember(room, s -> loopOf.put(s.userId(), Thread.currentThread()))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      // One part of the room per event loop, not per viewer (Vert.x gives each connection a context
      // of its own; a part per context made every broadcast a task per viewer).
      assertEquals(Set.copyOf(loopOf.values()).size(), a.rooms().members().room(room).shards.size(), "parts of the room");
      CompletableFuture<Thread> fanoutThread = new CompletableFuture<>();
      a.rooms().fanoutContext().runOnContext(v -> fanoutThread.complete(Thread.currentThread()));
      Thread fanout = fanoutThread.get(10, TimeUnit.SECONDS);
      // The loop to stall must not be the one the room events arrive on: stalled, that one would hold back everyone.
      String stalledUser = loopOf.entrySet().stream().filter(e -> e.getValue() != fanout).map(Map.Entry::getKey)
          .findFirst().orElseThrow();
      Thread stalled = loopOf.get(stalledUser);
      String freeUser = loopOf.entrySet().stream().filter(e -> e.getValue() != stalled).map(Map.Entry::getKey)
          .findFirst().orElseThrow(() -> new AssertionError("all members on one loop: " + loopOf));
      WsClient stalledViewer = clients.get(Integer.parseInt(stalledUser.substring("loops-".length())));
      WsClient talker = clients.get(Integer.parseInt(freeUser.substring("loops-".length())));

      CountDownLatch busy = new CountDownLatch(1);
      a.rooms().forEachMember(room, s -> {
        if (s.userId().equals(stalledUser)) {
          busy.countDown();
          long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
          while (!release.get() && System.nanoTime() < until) {
            Thread.onSpinWait();
          }
        }
      });
      assertTrue(busy.await(5, TimeUnit.SECONDS));
      // Every message reaches the free loop's member while the other loop is still stalled (the
      // fan-out used to wait for every loop to finish a batch before starting the next one).
      int count = 10;
      List<String> seenFree = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        assertOk(say(talker, room, "n" + i));
        while (!seenFree.contains("n" + i)) {
          seenFree.addAll(texts(talker.await(x -> x.hasRoomMessage() || x.hasRoomBatch(), Duration.ofSeconds(5))));
        }
      }
      assertEquals(IntStream.range(0, count).mapToObj(i -> "n" + i).toList(), seenFree, "in the order said");
      release.set(true);
      // The stalled loop's member gets them all once its loop is free, in order, as one batch
      // (the messages that waited go together), not as a frame per message behind one another.
      List<String> seenStalled = new ArrayList<>();
      int frames = 0;
      while (seenStalled.size() < count) {
        seenStalled.addAll(texts(stalledViewer.await(x -> x.hasRoomMessage() || x.hasRoomBatch(), Duration.ofSeconds(10))));
        frames++;
      }
      assertEquals(IntStream.range(0, count).mapToObj(i -> "n" + i).toList(), seenStalled, "in the order said");
      assertTrue(frames <= 2, count + " messages came in " + frames + " frames");
    } finally {
      release.set(true);
      clients.forEach(WsClient::close);
    }
  }

  private static List<String> texts(Frame f) {
    return f.hasRoomBatch() ? f.getRoomBatch().getMessagesList().stream().map(RoomMessage::getText).toList()
        : List.of(f.getRoomMessage().getText());
  }

  @Test
  void roomMessagesStartNoThreadEach() {
    // Each message is checked by a Hazelcast entry processor; on a two-core machine every callback
    // of it used to start a thread of its own (three per message). A moderator talks, so automatic
    // slow mode lets every message through.
    try (WsClient talker = moderator(a, "threads-talker"); WsClient listener = viewer(b, "threads-listener")) {
      join(talker, "threads");
      join(listener, "threads");
      assertOk(say(talker, "threads", "warm-up"));
      long before = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
      for (int i = 0; i < 100; i++) {
        assertOk(say(talker, "threads", "m" + i));
      }
      long started = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount() - before;
      assertTrue(started < 20, started + " threads started for 100 room messages");
    }
  }

  // ------------------------------------------------------------------ helpers

  static WsClient viewer(Node node, String user) {
    return WsClient.connect(node.port(), Tokens.of(user, "viewer"));
  }

  static WsClient moderator(Node node, String user) {
    return WsClient.connect(node.port(), Tokens.of(user, "moderator"));
  }

  static Frame.Builder joinFrame(String room) {
    return Frame.newBuilder().setJoinRoom(JoinRoom.newBuilder().setRoomId(room));
  }

  static RoomJoined join(WsClient c, String room) {
    Frame reply = c.request(joinFrame(room));
    assertTrue(reply.hasRoomJoined(), reply.toString());
    return reply.getRoomJoined();
  }

  static Frame.Builder sayFrame(String room, String text) {
    return Frame.newBuilder().setSay(Say.newBuilder().setRoomId(room).setText(text));
  }

  /** The answer, leaving the room's own copy of the message (which may come first) to be awaited. */
  static Frame say(WsClient c, String room, String text) {
    return c.requestKeepingOthers(sayFrame(room, text));
  }

  static Frame moderate(WsClient c, String room, ModerationAction action, String user, int seconds) {
    return c.requestKeepingOthers(Frame.newBuilder().setModerate(Moderate.newBuilder().setRoomId(room).setAction(action)
        .setUserId(user).setDurationSeconds(seconds)));
  }

  static RoomMessage nextRoomMessage(WsClient c) {
    Frame f = c.await(x -> x.hasRoomMessage() || x.hasRoomBatch());
    assertTrue(f.hasRoomMessage(), "a quiet room sends single messages: " + f);
    return f.getRoomMessage();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void assertOk(Frame reply) {
    assertTrue(reply.hasOk(), reply.toString());
  }

  static void assertError(ErrorCode code, Frame reply) {
    assertTrue(reply.hasError(), reply.toString());
    assertEquals(code, reply.getError().getCode(), reply.getError().getMessage());
  }
}
