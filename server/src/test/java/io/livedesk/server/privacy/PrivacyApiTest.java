package io.livedesk.server.privacy;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.livedesk.protocol.Conversation;
import io.livedesk.server.Node;
import io.livedesk.server.conversation.Conversations;
import io.livedesk.server.testing.Desk;
import io.livedesk.server.testing.Http;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A customer's transcripts exported and erased through the admin API, each with an audit record
 * naming the admin; closed transcripts past the retention time erased by the node on its own.
 */
class PrivacyApiTest {

  private static final long TWO_DAYS_MS = TimeUnit.DAYS.toMillis(2);
  private static final String ADMIN = Tokens.of("privacy-admin", "admin");

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static Http http;
  private static Node node;
  private static WsClient agent;

  @BeforeAll
  static void start() {
    // Inactivity would close the aged open conversation on its own: not within these tests.
    node = nodes.start(Map.of("privacy.transcriptRetentionDays", 1, "privacy.retentionCheckMs", 200,
        "conversation.inactivityTimeoutMs", 2_000_000_000));
    http = new Http(client);
    agent = WsClient.connect(node.port(), Tokens.of("privacy-agent", "agent"));
    Desk.online(agent, 10);
  }

  @AfterAll
  static void stop() {
    agent.close();
    http.close();
    nodes.close();
    client.close();
  }

  @Test
  void anAdminExportsEveryConversationOfTheCustomerWithItsMessagesInOrder() {
    String first = answeredConversation("exp-cust", "my email is mei@example.com");
    String second = answeredConversation("exp-cust", "and the second question");
    answeredConversation("exp-other", "somebody else's question");

    Http.Response r = http.call(node, HttpMethod.GET, "/api/admin/customers/exp-cust/transcripts", ADMIN, null);

    assertEquals(200, r.status(), r.body());
    JsonObject export = new JsonObject(r.body());
    assertEquals("exp-cust", export.getString("customerId"));
    JsonArray conversations = export.getJsonArray("conversations");
    assertEquals(List.of(first, second), conversations.stream().map(c -> ((JsonObject) c).getString("id")).toList());
    for (Object c : conversations) {
      JsonObject conversation = (JsonObject) c;
      assertEquals("exp-cust", conversation.getString("customerId"));
      List<Integer> seqs = conversation.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getInteger("seq")).toList();
      assertEquals(messagesOf(conversation.getString("id")).size(), seqs.size());
      for (int i = 0; i < seqs.size(); i++) {
        assertEquals(i + 1, seqs.get(i), "messages in order, none missing");
      }
    }
    assertTrue(r.body().contains("m***@example.com"), "stored (masked) text is exported as stored");
    assertFalse(r.body().contains("somebody else"), "another customer's transcript is not exported");
  }

  @Test
  void anExportIsAuditedWithTheAdminTheCustomerAndTheCounts() {
    String id = answeredConversation("aud-cust", "what size should I take");
    int messages = messagesOf(id).size();

    http.call(node, HttpMethod.GET, "/api/admin/customers/aud-cust/transcripts", ADMIN, null);

    JsonObject record = auditOf("aud-cust").getJsonObject(0);
    assertEquals("privacy-admin", record.getString("actor"));
    assertEquals("transcripts.export", record.getString("action"));
    assertEquals(1, record.getJsonObject("details").getInteger("conversations"));
    assertEquals(messages, record.getJsonObject("details").getInteger("messages"));
    assertTrue(record.getLong("at") > System.currentTimeMillis() - 60_000);
  }

  @Test
  void aSupervisorReadingATranscriptOverTheWebSocketLeavesAnAuditRecordAndItsAgentDoesNot() {
    String id = answeredConversation("sup-cust", "where is my parcel");
    agent.request(io.livedesk.protocol.Frame.newBuilder().setHistory(
        io.livedesk.protocol.HistoryRequest.newBuilder().setConversationId(id)));
    assertEquals(0, auditOf("sup-cust").size(), "the conversation's own agent is no audited reader");
    try (WsClient supervisor = WsClient.connect(node.port(), Tokens.of("privacy-supervisor", "supervisor"))) {
      io.livedesk.protocol.Frame page = supervisor.request(io.livedesk.protocol.Frame.newBuilder().setHistory(
          io.livedesk.protocol.HistoryRequest.newBuilder().setConversationId(id)));
      assertTrue(page.hasHistoryPage(), page.toString());
      supervisor.request(io.livedesk.protocol.Frame.newBuilder().setResume(io.livedesk.protocol.Resume.newBuilder()
          .addCursors(io.livedesk.protocol.ConversationCursor.newBuilder().setConversationId(id))));
    }
    JsonArray records = auditOf("sup-cust");
    assertEquals(2, records.size(), records.encodePrettily());
    for (Object o : records) {
      JsonObject record = (JsonObject) o;
      assertEquals("privacy-supervisor", record.getString("actor"));
      assertEquals("transcripts.read", record.getString("action"));
      assertEquals(id, record.getJsonObject("details").getString("conversationId"));
    }
  }

  @Test
  void anAdminErasesEveryConversationAndMessageOfTheCustomerAndNoOneElses() {
    String first = closedConversation("del-cust");
    String second = closedConversation("del-cust");
    String kept = closedConversation("del-other");
    long messages = messagesOf(first).size() + messagesOf(second).size();

    Http.Response r = http.call(node, HttpMethod.DELETE, "/api/admin/customers/del-cust/transcripts", ADMIN, null);

    assertEquals(200, r.status(), r.body());
    assertEquals(new JsonObject().put("conversations", 2).put("messages", messages).put("roomMessages", 0)
        .put("pushReceipts", 0).put("couponGrantsAnonymised", 0), new JsonObject(r.body()));
    assertEquals(0, conversations(Filters.eq("customerId", "del-cust")).size());
    assertEquals(0, messagesOf(first).size() + messagesOf(second).size());
    assertEquals(1, conversations(Filters.eq("_id", kept)).size());
    assertFalse(messagesOf(kept).isEmpty());
    JsonObject record = auditOf("del-cust").getJsonObject(0);
    assertEquals("transcripts.erase", record.getString("action"));
    assertEquals("privacy-admin", record.getString("actor"));
    assertEquals(messages, record.getJsonObject("details").getLong("messages"));
  }

  /** Everything the store keeps about a customer goes with the export and the erasure, not only the transcripts. */
  @Test
  void anExportAndAnErasureCoverRoomChatCouponGrantsPushReceiptsAndSlaEvents() throws Exception {
    var store = node.store();
    long now = System.currentTimeMillis();
    store.first(store.collection(io.livedesk.server.room.RoomArchive.COLLECTION).insertOne(new org.bson.Document("_id", "rm-1")
        .append("room", "live-1").append("user", "all-cust").append("text", "好看").append("at", new java.util.Date(now))))
        .await(10, java.util.concurrent.TimeUnit.SECONDS);
    store.first(store.collection(io.livedesk.server.push.Claims.COLLECTION).insertOne(new org.bson.Document("_id", "cmp-x/all-cust/1")
        .append("grantId", "g-1").append("campaign", "cmp-x").append("coupon", "cmp-x").append("user", "all-cust")
        .append("slot", "cmp-x#1").append("at", new java.util.Date(now)).append("converted", false)))
        .await(10, java.util.concurrent.TimeUnit.SECONDS);
    store.first(store.collection(io.livedesk.server.push.Reach.COLLECTION).insertOne(new org.bson.Document("_id", "cmp-x/all-cust")
        .append("campaign", "cmp-x").append("user", "all-cust").append("at", new java.util.Date(now))))
        .await(10, java.util.concurrent.TimeUnit.SECONDS);

    JsonObject export = new JsonObject(http.call(node, HttpMethod.GET, "/api/admin/customers/all-cust/transcripts", ADMIN, null).body());
    assertEquals("好看", export.getJsonArray("roomMessages").getJsonObject(0).getString("text"));
    assertEquals("g-1", export.getJsonArray("couponGrants").getJsonObject(0).getString("grantId"));
    assertEquals(1, export.getJsonArray("pushReceipts").size());
    assertTrue(export.containsKey("slaEvents"));

    Http.Response erased = http.call(node, HttpMethod.DELETE, "/api/admin/customers/all-cust/transcripts", ADMIN, null);
    assertEquals(200, erased.status(), erased.body());
    JsonObject counts = new JsonObject(erased.body());
    assertEquals(1, counts.getLong("roomMessages"));
    assertEquals(1, counts.getLong("pushReceipts"));
    assertEquals(1, counts.getLong("couponGrantsAnonymised"));
    for (String collection : List.of(io.livedesk.server.room.RoomArchive.COLLECTION, io.livedesk.server.push.Claims.COLLECTION,
        io.livedesk.server.push.Reach.COLLECTION)) {
      assertEquals(0L, store.first(store.collection(collection).countDocuments(new org.bson.Document("user", "all-cust")))
          .await(10, java.util.concurrent.TimeUnit.SECONDS), collection + " still names the customer");
    }
    // the coupon stays given: its slot is still held, so a rebuilt count cannot hand it out again
    assertEquals(1L, store.first(store.collection(io.livedesk.server.push.Claims.COLLECTION)
        .countDocuments(new org.bson.Document("slot", "cmp-x#1"))).await(10, java.util.concurrent.TimeUnit.SECONDS));
  }

  @Test
  void aCustomerWithAConversationStillOpenIsNotErasedUntilItIsClosed() {
    String open = answeredConversation("open-cust", "are you still there");

    Http.Response refused = http.call(node, HttpMethod.DELETE, "/api/admin/customers/open-cust/transcripts", ADMIN, null);

    assertEquals(409, refused.status(), refused.body());
    assertEquals(1, conversations(Filters.eq("_id", open)).size());
    try (WsClient admin = WsClient.connect(node.port(), ADMIN)) {
      assertTrue(Desk.close(admin, open).hasConversation(), "an admin may close it");
    }
    assertEquals(200, http.call(node, HttpMethod.DELETE, "/api/admin/customers/open-cust/transcripts", ADMIN, null).status());
    assertEquals(0, conversations(Filters.eq("_id", open)).size());
  }

  @Test
  void closedTranscriptsPastTheRetentionTimeAreErasedAndAuditedAsTheSystem() {
    String old = closedConversation("ret-old");
    String fresh = closedConversation("ret-fresh");
    String openButOld = answeredConversation("ret-open", "still talking");
    age(old);
    age(openButOld);

    JsonObject record = awaitRetentionRecord();

    assertEquals("system", record.getString("actor"));
    assertTrue(record.getJsonObject("details").getLong("conversations") >= 1, record::encode);
    assertEquals(0, conversations(Filters.eq("_id", old)).size());
    assertEquals(0, messagesOf(old).size());
    assertEquals(1, conversations(Filters.eq("_id", fresh)).size(), "a recent transcript stays");
    assertEquals(1, conversations(Filters.eq("_id", openButOld)).size(), "an open conversation is never swept");
  }

  @Test
  void theRetentionLeaseIsTakenByOneNodeUntilItRunsOut() {
    Map.Entry<String, Long> lease = new AbstractMap.SimpleEntry<>(Retention.JOB, null);
    assertTrue(new Retention.Lease(1_000, 1_900).process(lease));
    assertFalse(new Retention.Lease(1_500, 2_400).process(lease), "held until 1900");
    assertTrue(new Retention.Lease(1_900, 2_800).process(lease), "ran out");
  }

  // ------------------------------------------------------------------ helpers

  /** A conversation the agent took and answered, with a message from each side. */
  private static String answeredConversation(String customerId, String text) {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of(customerId, "customer"))) {
      Conversation asked = Desk.ask(customer, "human please: " + text);
      Desk.accept(agent, Desk.offer(agent));
      assertTrue(Desk.send(customer, asked.getId(), "c-" + asked.getId(), text).hasAck());
      assertTrue(Desk.send(agent, asked.getId(), "a-" + asked.getId(), "thanks, looking").hasAck());
      return asked.getId();
    }
  }

  private static String closedConversation(String customerId) {
    String id = answeredConversation(customerId, "a question");
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of(customerId, "customer"))) {
      assertTrue(Desk.close(customer, id).hasConversation());
    }
    return id;
  }

  /** Makes the conversation look last active two days ago. */
  private static void age(String id) {
    await(node.store().first(node.store().collection(Conversations.CONVERSATIONS).updateOne(Filters.eq("_id", id),
        Updates.set("lastActivityAt", System.currentTimeMillis() - TWO_DAYS_MS))));
  }

  private static JsonArray auditOf(String subject) {
    Http.Response r = http.call(node, HttpMethod.GET, "/api/admin/audit?subject=" + subject, ADMIN, null);
    assertEquals(200, r.status(), r.body());
    return new JsonObject(r.body()).getJsonArray("records");
  }

  /** The sweep runs on its own schedule (every 200 ms here): wait for its audit record. */
  private static JsonObject awaitRetentionRecord() {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < until) {
      Http.Response r = http.call(node, HttpMethod.GET, "/api/admin/audit?action=transcripts.retention", ADMIN, null);
      JsonArray records = new JsonObject(r.body()).getJsonArray("records");
      if (!records.isEmpty()) {
        return records.getJsonObject(0);
      }
      await(client.timer(100));
    }
    throw new AssertionError("no retention sweep was audited within 10 s");
  }

  private static List<Document> conversations(Bson filter) {
    return await(node.store().all(node.store().collection(Conversations.CONVERSATIONS).find(filter)));
  }

  private static List<Document> messagesOf(String conversationId) {
    return await(node.store().all(node.store().collection(Conversations.MESSAGES)
        .find(Filters.eq("conversationId", conversationId))));
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
