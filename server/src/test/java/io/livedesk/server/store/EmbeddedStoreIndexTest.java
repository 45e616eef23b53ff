package io.livedesk.server.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.server.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded store answers the product's queries from its indexes: each query shape below, on
 * 50,000 conversations and 50,000 messages, reads about as many documents as it returns, where
 * a scan reads them all. The indexes are those Conversations declares.
 */
class EmbeddedStoreIndexTest {

  private static final int CONVERSATIONS = 50_000;
  private static final int MESSAGES = 50_000;
  private static final int CUSTOMERS = 1_000;
  private static final int CONVERSATIONS_WITH_MESSAGES = 500;
  private static final List<String> STATES = List.of("BOT", "OFFERED", "ACTIVE", "CLOSED", "CLOSED", "CLOSED");
  private static final List<String> INTENTS = List.of("billing", "shipping", "refund", "account", "other");
  private static final long T0 = 1_700_000_000_000L;

  private static final Vertx vertx = Vertx.vertx();
  private static Path dir;
  private static EmbeddedStore embedded;
  private static Store store;

  @BeforeAll
  static void load() throws Exception {
    dir = Path.of(TestNodes.tempDir());
    open();
    var conversations = store.collection("conversations");
    var messages = store.collection("messages");
    // as Conversations.createIndexes declares them
    Future.all(List.of(
        store.first(messages.createIndex(Indexes.ascending("conversationId", "clientMsgId"), new IndexOptions().unique(true))),
        store.first(messages.createIndex(Indexes.ascending("conversationId", "seq"), new IndexOptions().unique(true))),
        store.first(conversations.createIndex(Indexes.ascending("customerId", "askId"), new IndexOptions().unique(true))),
        store.first(conversations.createIndex(Indexes.ascending("customerId", "createdAt"))),
        store.first(conversations.createIndex(Indexes.ascending("customerId", "intent", "createdAt"))),
        store.first(conversations.createIndex(Indexes.ascending("agentId", "state"))),
        store.first(conversations.createIndex(Indexes.ascending("state", "lastActivityAt"))),
        store.first(conversations.createIndex(Indexes.ascending("state", "responseDueAt"))))).await(30, TimeUnit.SECONDS);
    long started = System.nanoTime();
    for (int from = 0; from < CONVERSATIONS; from += 1000) {
      List<Document> batch = new ArrayList<>();
      for (int i = from; i < from + 1000; i++) {
        batch.add(conversation(i));
      }
      store.first(conversations.insertMany(batch)).await(60, TimeUnit.SECONDS);
    }
    for (int from = 0; from < MESSAGES; from += 1000) {
      List<Document> batch = new ArrayList<>();
      for (int i = from; i < from + 1000; i++) {
        String conversationId = "c" + (i % CONVERSATIONS_WITH_MESSAGES);
        int seq = i / CONVERSATIONS_WITH_MESSAGES + 1;
        batch.add(new Document("_id", conversationId + ":" + seq).append("conversationId", conversationId).append("seq", seq)
            .append("clientMsgId", "m" + i).append("text", "hello " + i));
      }
      store.first(messages.insertMany(batch)).await(60, TimeUnit.SECONDS);
    }
    System.out.printf("loaded %d conversations and %d messages in %d ms%n", CONVERSATIONS, MESSAGES,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private static Document conversation(int i) {
    String state = i % 100 == 0 ? "WAITING" : STATES.get(i % STATES.size());
    Document d = new Document("_id", "c" + i).append("customerId", "u" + (i % CUSTOMERS)).append("askId", "a" + i)
        .append("intent", INTENTS.get((i / CUSTOMERS) % INTENTS.size())).append("createdAt", T0 + i * 1000L)
        .append("state", state).append("lastActivityAt", T0 + i * 1000L + 500).append("lastSeq", 0);
    if (i % 3 == 0) {
      d.append("agentId", "agent" + (i % 40));
    }
    if (state.equals("ACTIVE") && i % 2 == 0) {
      d.append("responseDueAt", T0 + i * 1000L + 60_000);
    }
    return d;
  }

  private static void open() {
    embedded = EmbeddedStore.start(dir, 0);
    store = new Store(vertx, embedded.uri(), "livedesk");
  }

  @AfterAll
  static void stop() {
    store.close();
    embedded.close();
    vertx.close();
  }

  /** Runs the query; fails when it read more than {@code slack} documents beyond what it returned. */
  private static <T> T examine(String shape, int returned, int slack, Callable<T> query) throws Exception {
    long before = embedded.documentsExamined();
    T result = query.call();
    long examined = embedded.documentsExamined() - before;
    int answered = returned >= 0 ? returned : (result instanceof List<?> l ? l.size() : 1);
    assertTrue(examined <= answered + slack, shape + ": examined " + examined + " documents to answer " + answered);
    return result;
  }

  @Test
  void theProductsQueriesReadTheirIndexes() throws Exception {
    var conversations = store.collection("conversations");
    var messages = store.collection("messages");

    // a scan reads everything: the counter sees it
    long before = embedded.documentsExamined();
    assertEquals(0, store.all(conversations.find(Filters.eq("lastSeq", 7))).await(30, TimeUnit.SECONDS).size());
    assertTrue(embedded.documentsExamined() - before >= CONVERSATIONS, "an unindexed query scans");

    // resume: messages after a seq, in seq order
    List<Document> after = examine("messages after seq", -1, 0, () -> store.all(messages.find(
        Filters.and(Filters.eq("conversationId", "c7"), Filters.gt("seq", 90L))).sort(Sorts.ascending("seq"))).await(10, TimeUnit.SECONDS));
    assertEquals(List.of(91, 92, 93, 94, 95, 96, 97, 98, 99, 100), after.stream().map(d -> d.getInteger("seq")).toList());

    // history: a page before a seq, newest first, limited
    List<Document> page = examine("history page", -1, 0, () -> store.all(messages.find(
        Filters.and(Filters.eq("conversationId", "c8"), Filters.lt("seq", 50L))).sort(Sorts.descending("seq")).limit(21)).await(10, TimeUnit.SECONDS));
    assertEquals(49, page.get(0).getInteger("seq"));
    assertEquals(21, page.size());

    // a resend lookup by the unique (conversationId, clientMsgId)
    Document resent = examine("resend lookup", 1, 0, () -> store.first(messages.find(
        new Document("conversationId", "c9").append("clientMsgId", "m1009"))).await(10, TimeUnit.SECONDS));
    assertEquals(3, resent.getInteger("seq"));

    // repeat-question count: customer, intent, since; countDocuments is an aggregation starting with $match
    long count = examine("repeat count", 8, 0, () -> store.first(conversations.countDocuments(Filters.and(Filters.eq("customerId", "u17"),
        Filters.eq("intent", "refund"), Filters.gte("createdAt", T0 + 12_000_000L)))).await(10, TimeUnit.SECONDS));
    // u17's conversations are i = 17 + 1000j, refund when j % 5 == 2: j = 2, 7, ... 47; recent enough from j = 12
    assertEquals(8L, count);

    // a conditional transition: _id and a state condition, through $and
    Document moved = examine("transition", 1, 0, () -> store.first(conversations.findOneAndUpdate(
        Filters.and(Filters.eq("_id", "c200"), Filters.in("state", "WAITING", "OFFERED")), Updates.set("state", "ACTIVE"),
        new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER))).await(10, TimeUnit.SECONDS));
    assertEquals("ACTIVE", moved.getString("state"));

    // the customer's latest conversation an agent held
    Document last = examine("last with agent", 1, 3, () -> store.first(conversations.find(
        Filters.and(Filters.eq("customerId", "u42"), Filters.exists("agentId"))).sort(Sorts.descending("createdAt")).limit(1))
        .await(10, TimeUnit.SECONDS));
    assertEquals("c48042", last.getString("_id"));

    // the queue
    List<Document> waiting = examine("waiting", -1, 0, () -> store.all(conversations.find(Filters.eq("state", "WAITING")))
        .await(10, TimeUnit.SECONDS));
    assertEquals(CONVERSATIONS / 100 - 1, waiting.size()); // c200 left the queue above

    // inactivity sweep: $in on the first field, range on the second
    List<Document> inactive = examine("inactive", -1, 0, () -> store.all(conversations.find(Filters.and(
        Filters.in("state", "BOT", "ACTIVE"), Filters.lt("lastActivityAt", T0 + 600_000L))).limit(500)).await(10, TimeUnit.SECONDS));
    // i < 600 with i % 6 == 0 (BOT) or 2 (ACTIVE), less those in the queue (i % 100 == 0), plus c200 made ACTIVE above
    assertEquals(98 + 98 + 1, inactive.size());

    // an agent's open conversations
    examine("agent's", -1, 0, () -> store.all(conversations.find(Filters.and(Filters.eq("agentId", "agent3"),
        Filters.eq("state", "ACTIVE")))).await(10, TimeUnit.SECONDS));
  }

  /** The indexes are rebuilt when the store opens again: the queries still read only what they return. */
  @Test
  void indexesServeQueriesAfterARestart() throws Exception {
    store.close();
    embedded.close();
    long started = System.nanoTime();
    open();
    System.out.printf("reopened (indexes rebuilt) in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    var messages = store.collection("messages");
    List<Document> after = examine("messages after seq, reopened", -1, 0, () -> store.all(messages.find(
        Filters.and(Filters.eq("conversationId", "c7"), Filters.gt("seq", 95L))).sort(Sorts.ascending("seq"))).await(10, TimeUnit.SECONDS));
    assertEquals(5, after.size());
    // a unique index still refuses a duplicate after the restart
    Future<Boolean> refused = store.first(messages.insertOne(new Document("_id", "dup").append("conversationId", "c7").append("seq", 4)))
        .map(v -> false).recover(e -> Future.succeededFuture(e.getMessage().contains("E11000")));
    assertTrue(refused.await(10, TimeUnit.SECONDS), "a duplicate (conversationId, seq) is refused");
  }
}
