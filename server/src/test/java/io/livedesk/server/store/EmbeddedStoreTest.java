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
}
