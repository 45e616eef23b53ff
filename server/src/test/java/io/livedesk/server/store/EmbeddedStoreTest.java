package io.livedesk.server.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import io.livedesk.server.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded store is a real MongoDB-wire server that keeps its data across restarts. */
class EmbeddedStoreTest {

  private static final Vertx vertx = Vertx.vertx();

  @AfterAll
  static void stop() {
    vertx.close();
  }

  @Test
  void dataWrittenThroughTheDriverSurvivesARestart() throws Exception {
    Path dir = Path.of(TestNodes.tempDir());
    try (EmbeddedStore embedded = EmbeddedStore.start(dir, 0); Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      store.first(store.collection("messages").insertOne(new Document("_id", "m1").append("text", "你好")))
          .await(10, TimeUnit.SECONDS);
    }
    try (EmbeddedStore embedded = EmbeddedStore.start(dir, 0); Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      Document found = store.first(store.collection("messages").find(new Document("_id", "m1"))).await(10, TimeUnit.SECONDS);
      assertEquals("你好", found.getString("text"));
    }
  }

  /** collStats' size is what the documents hold, after inserts, updates and deletes, and after a restart. */
  @Test
  void collectionStatsCountTheBytesTheDocumentsHold() throws Exception {
    Path dir = Path.of(TestNodes.tempDir());
    Document a = new Document("_id", "a").append("text", "x".repeat(100));
    Document b = new Document("_id", "b").append("text", "short");
    try (EmbeddedStore embedded = EmbeddedStore.start(dir, 0); Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      var docs = store.collection("docs");
      store.first(docs.insertMany(List.of(a, b))).await(10, TimeUnit.SECONDS);
      assertEquals(bsonSize(a) + bsonSize(b), statsSize(store));
      Document longer = new Document("_id", "b").append("text", "a longer text than before");
      store.first(docs.replaceOne(Filters.eq("_id", "b"), longer)).await(10, TimeUnit.SECONDS);
      store.first(docs.deleteOne(Filters.eq("_id", "a"))).await(10, TimeUnit.SECONDS);
      assertEquals(bsonSize(longer), statsSize(store));
    }
    try (EmbeddedStore embedded = EmbeddedStore.start(dir, 0); Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      assertEquals(bsonSize(new Document("_id", "b").append("text", "a longer text than before")), statsSize(store));
    }
  }

  /**
   * A unique index refuses a second document with its key, on insert and on update, with
   * MongoDB's duplicate-key error naming the key as the client wrote it; a document may keep its
   * own key through an update, and a key it leaves is free for another. Also with _id values and
   * a sparse unique index, which take upstream's own checks.
   */
  @Test
  void aUniqueIndexRefusesASecondDocumentWithItsKey() throws Exception {
    try (EmbeddedStore embedded = EmbeddedStore.start(Path.of(TestNodes.tempDir()), 0);
         Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      var messages = store.collection("messages");
      store.first(messages.createIndex(com.mongodb.client.model.Indexes.ascending("conversationId", "seq"),
          new com.mongodb.client.model.IndexOptions().unique(true))).await(10, TimeUnit.SECONDS);
      store.first(messages.createIndex(com.mongodb.client.model.Indexes.ascending("handle"),
          new com.mongodb.client.model.IndexOptions().unique(true).sparse(true))).await(10, TimeUnit.SECONDS);
      store.first(messages.insertMany(List.of(new Document("_id", "c1:1").append("conversationId", "c1").append("seq", 1),
          new Document("_id", "c1:2").append("conversationId", "c1").append("seq", 2).append("handle", "h")))).await(10, TimeUnit.SECONDS);

      String insert = refusal(store.first(messages.insertOne(new Document("_id", "x").append("conversationId", "c1").append("seq", 2L))));
      assertTrue(insert.contains("E11000") && insert.contains("conversationId_1_seq_1") && insert.contains("dup key: { conversationId: \"c1\", seq: 2 }"),
          insert);
      String update = refusal(store.first(messages.updateOne(Filters.eq("_id", "c1:1"), Updates.set("seq", 2.0))));
      assertTrue(update.contains("E11000") && update.contains("conversationId_1_seq_1"), update);
      // refused before anything changed: the document is still found through the index by its key
      assertEquals("c1:1", store.first(messages.find(Filters.and(Filters.eq("conversationId", "c1"), Filters.eq("seq", 1))))
          .await(10, TimeUnit.SECONDS).getString("_id"));
      assertTrue(refusal(store.first(messages.insertOne(new Document("_id", "c1:1")))).contains("E11000"));
      assertTrue(refusal(store.first(messages.insertOne(new Document("_id", "y").append("handle", "h")))).contains("E11000"));

      // its own key through an update, then a new one, and the old one taken by another document
      store.first(messages.updateOne(Filters.eq("_id", "c1:1"), Updates.set("text", "edited"))).await(10, TimeUnit.SECONDS);
      store.first(messages.updateOne(Filters.eq("_id", "c1:1"), Updates.set("seq", 3))).await(10, TimeUnit.SECONDS);
      store.first(messages.insertOne(new Document("_id", "c1:1b").append("conversationId", "c1").append("seq", 1)))
          .await(10, TimeUnit.SECONDS);
      assertEquals(List.of(1, 2, 3), store.all(messages.find(Filters.eq("conversationId", "c1")).sort(new Document("seq", 1)))
          .await(10, TimeUnit.SECONDS).stream().map(d -> ((Number) d.get("seq")).intValue()).toList());
      assertEquals(2L, store.first(messages.countDocuments(new Document("handle", new Document("$exists", false))))
          .await(10, TimeUnit.SECONDS)); // the sparse index held no others back
    }
  }

  private static String refusal(Future<?> write) throws Exception {
    return write.map(v -> "accepted").recover(e -> Future.succeededFuture(e.getMessage())).await(10, TimeUnit.SECONDS);
  }

  private static int bsonSize(Document doc) {
    return new org.bson.RawBsonDocument(doc, new org.bson.codecs.DocumentCodec()).getByteBuffer().remaining();
  }

  private static int statsSize(Store store) throws Exception {
    Document stats = store.command(new Document("collStats", "docs")).await(10, TimeUnit.SECONDS);
    return ((Number) stats.get("size")).intValue();
  }

  /** What a conversation's sequence numbers rest on: each increment answers its own value. */
  @Test
  void concurrentIncrementsOfOneDocumentEachAnswerTheirOwnValue() throws Exception {
    int increments = 2_000;
    try (EmbeddedStore embedded = EmbeddedStore.start(Path.of(TestNodes.tempDir()), 0);
         Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      var counters = store.collection("counters");
      store.first(counters.insertOne(new Document("_id", "c").append("n", 0L).append("note", "x")))
          .await(10, TimeUnit.SECONDS);
      List<Future<Document>> answers = new ArrayList<>();
      for (int i = 0; i < increments; i++) {
        // each also rewrites another field, so the stored document changes shape under every answer
        answers.add(store.first(counters.findOneAndUpdate(Filters.eq("_id", "c"),
            Updates.combine(Updates.inc("n", 1L), Updates.set("note", "x".repeat(i % 50))),
            new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER))));
      }
      Future.all(answers).await(60, TimeUnit.SECONDS);
      Set<Long> values = answers.stream().map(f -> f.result().getLong("n")).collect(Collectors.toCollection(TreeSet::new));
      assertEquals(LongStream.rangeClosed(1, increments).boxed().collect(Collectors.toCollection(TreeSet::new)), values);
    }
  }

  /**
   * Group commit: writes made durable together share one sync. 64 writers, each sending its next
   * insert when the previous is acknowledged, keep about 64 writes waiting at any time; one sync
   * per write would make the count of syncs equal the count of writes.
   */
  @Test
  void concurrentWritersShareSyncs() throws Exception {
    int writers = 64;
    int perWriter = 40;
    try (EmbeddedStore embedded = EmbeddedStore.start(Path.of(TestNodes.tempDir()), 0);
         Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      var docs = store.collection("grouped");
      // the first write creates the collection; the connections are opened by the warm-up too
      Future.all(java.util.stream.IntStream.range(0, writers)
              .mapToObj(w -> store.first(docs.insertOne(new Document("_id", "warm-" + w)))).toList())
          .await(30, TimeUnit.SECONDS);
      long syncsBefore = embedded.syncs();
      long writesBefore = embedded.durableWrites();
      List<Future<Void>> chains = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < perWriter; i++) {
          String id = "w" + w + "-" + i;
          chain = chain.compose(v -> store.first(docs.insertOne(new Document("_id", id))).mapEmpty());
        }
        chains.add(chain);
      }
      Future.all(chains).await(120, TimeUnit.SECONDS);
      long writes = embedded.durableWrites() - writesBefore;
      long syncs = embedded.syncs() - syncsBefore;
      assertEquals((long) writers * perWriter, writes);
      assertTrue(syncs * 4 <= writes, writes + " writes took " + syncs + " syncs");
      assertEquals((long) writers * (perWriter + 1), store.first(docs.countDocuments()).await(10, TimeUnit.SECONDS));
    }
  }

  /** A read is answered without waiting for a sync, and a read-only session syncs nothing. */
  @Test
  void readsDoNotSync() throws Exception {
    try (EmbeddedStore embedded = EmbeddedStore.start(Path.of(TestNodes.tempDir()), 0);
         Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      var docs = store.collection("reads");
      store.first(docs.insertOne(new Document("_id", "r").append("n", 1))).await(10, TimeUnit.SECONDS);
      long syncs = embedded.syncs();
      for (int i = 0; i < 50; i++) {
        assertEquals(1, store.first(docs.find(Filters.eq("_id", "r"))).await(10, TimeUnit.SECONDS).getInteger("n"));
        assertEquals(1L, store.first(docs.countDocuments(Filters.eq("n", 1))).await(10, TimeUnit.SECONDS));
      }
      assertEquals(syncs, embedded.syncs());
      store.first(docs.updateOne(Filters.eq("_id", "r"), Updates.inc("n", 1))).await(10, TimeUnit.SECONDS);
      assertTrue(embedded.syncs() > syncs, "an update is made durable");
    }
  }
}
