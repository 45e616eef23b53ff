package io.livedesk.server.store;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertOneModel;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.server.metrics.Metrics;
import io.livedesk.server.testing.TestNodes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.livedesk.server.testing.NodeProcess.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writes that travel together in bulk writes are each answered as if they had travelled alone. */
class BulkWritesTest {

  private static final Vertx vertx = Vertx.vertx();

  @AfterAll
  static void stop() {
    vertx.close();
  }

  @Test
  void writesSubmittedTogetherShareCommandsAndEachGetsItsOwnAnswerOnItsOwnContext() throws Exception {
    EmbeddedStore embedded = EmbeddedStore.start(Path.of(TestNodes.tempDir()), freePort());
    try (Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      MongoCollection<Document> messages = store.collection("m");
      store.first(messages.insertOne(new Document("_id", "taken-0"))).await(10, TimeUnit.SECONDS);
      store.first(messages.insertOne(new Document("_id", "taken-1"))).await(10, TimeUnit.SECONDS);
      BulkWrites inserts = new BulkWrites(store, new WriteBuffer(vertx, new Metrics(), 100, 60_000), messages, false, 64, 1_000);
      long commandsBefore = embedded.durableWrites();

      // 300 inserts submitted from one event loop in one go, two of them on ids already taken
      Context loop = vertx.getOrCreateContext();
      List<String> ids = new ArrayList<>();
      List<Future<Context>> answers = new ArrayList<>();
      Promise<Void> submitted = Promise.promise();
      loop.runOnContext(v -> {
        for (int i = 0; i < 300; i++) {
          String id = i == 100 ? "taken-0" : i == 200 ? "taken-1" : "new-" + i;
          ids.add(id);
          answers.add(inserts.submit(new InsertOneModel<>(new Document("_id", id).append("i", i))).map(ok -> Vertx.currentContext()));
        }
        submitted.complete();
      });
      submitted.future().await(10, TimeUnit.SECONDS);
      Future.join(answers).otherwiseEmpty().await(30, TimeUnit.SECONDS); // every one answered, some with an error

      for (int i = 0; i < 300; i++) {
        Future<Context> answer = answers.get(i);
        if (ids.get(i).startsWith("taken")) {
          // the error a lone insert would have had, so that a resend is recognised as one
          assertTrue(answer.failed(), ids.get(i));
          MongoWriteException e = assertInstanceOf(MongoWriteException.class, answer.cause());
          assertEquals(ErrorCategory.DUPLICATE_KEY, ErrorCategory.fromErrorCode(e.getCode()));
        } else {
          assertTrue(answer.succeeded(), () -> ids.get(0) + " " + answer.cause());
          assertEquals(loop, answer.result(), "answered on the context it was submitted from");
        }
      }
      assertEquals(300L, store.first(messages.countDocuments()).await(10, TimeUnit.SECONDS));
      // the first leaves alone, the rest in bulk writes of at most 64: not one command per insert
      long commands = embedded.durableWrites() - commandsBefore;
      assertTrue(commands >= 1 + 299 / 64 && commands <= 10, commands + " commands for 300 inserts");
    } finally {
      embedded.close();
    }
  }

  @Test
  void orderedWritesApplyInTheOrderSubmittedAndNoneAfterAFailure() throws Exception {
    EmbeddedStore embedded = EmbeddedStore.start(Path.of(TestNodes.tempDir()), freePort());
    try (Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      MongoCollection<Document> conversations = store.collection("c");
      store.first(conversations.insertOne(new Document("_id", "c1"))).await(10, TimeUnit.SECONDS);
      BulkWrites ordered = new BulkWrites(store, new WriteBuffer(vertx, new Metrics(), 100, 60_000), conversations, true, 512, 1_000);

      // $min and $unset do not commute: the deadline a customer's message sets, an agent's reply clears
      List<Future<Void>> updates = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        updates.add(ordered.submit(new UpdateOneModel<>(Filters.eq("_id", "c1"),
            Updates.combine(Updates.max("lastSeq", i), Updates.min("dueAt", 1_000 - i)))));
        updates.add(ordered.submit(new UpdateOneModel<>(Filters.eq("_id", "c1"), Updates.unset("dueAt"))));
      }
      Future.all(updates).await(30, TimeUnit.SECONDS);
      Document c1 = store.first(conversations.find(Filters.eq("_id", "c1"))).await(10, TimeUnit.SECONDS);
      assertEquals(49, c1.getInteger("lastSeq"));
      assertNull(c1.get("dueAt"), "the last write submitted is the last applied");

      // behind an insert that fails, an ordered bulk write applies nothing more
      BulkWrites orderedInserts = new BulkWrites(store, new WriteBuffer(vertx, new Metrics(), 100, 60_000), conversations, true, 512, 1_000);
      Context loop = vertx.getOrCreateContext();
      Promise<List<Future<Void>>> submitted = Promise.promise();
      loop.runOnContext(v -> submitted.complete(List.of(
          orderedInserts.submit(new InsertOneModel<>(new Document("_id", "lone"))),
          orderedInserts.submit(new InsertOneModel<>(new Document("_id", "c1"))),
          orderedInserts.submit(new InsertOneModel<>(new Document("_id", "after"))))));
      List<Future<Void>> inserts = submitted.future().await(10, TimeUnit.SECONDS);
      Future.join(inserts).otherwiseEmpty().await(30, TimeUnit.SECONDS);
      assertTrue(inserts.get(0).succeeded());
      assertInstanceOf(MongoWriteException.class, inserts.get(1).cause());
      assertInstanceOf(MongoBulkWriteException.class, inserts.get(2).cause(), "not applied, and says so");
      assertEquals(Set.of("c1", "lone"), Set.copyOf(store.all(conversations.find()).await(10, TimeUnit.SECONDS)
          .stream().map(d -> d.getString("_id")).toList()));
    } finally {
      embedded.close();
    }
  }

  @Test
  void whileTheStoreIsDownWritesWaitUpToTheBoundAndAreAllStoredWhenItReturns() throws Exception {
    Path dir = Path.of(TestNodes.tempDir());
    int port = freePort();
    EmbeddedStore embedded = EmbeddedStore.start(dir, port);
    try (Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      MongoCollection<Document> messages = store.collection("m");
      store.first(messages.insertOne(new Document("_id", "before"))).await(10, TimeUnit.SECONDS);
      BulkWrites inserts = new BulkWrites(store, new WriteBuffer(vertx, new Metrics(), 100, 60_000), messages, false, 4, 10);
      embedded.close();

      List<Future<Void>> accepted = new ArrayList<>();
      for (int i = 0; i < 11; i++) {
        accepted.add(inserts.submit(new InsertOneModel<>(new Document("_id", "during-" + i))));
      }
      assertEquals(10, inserts.waiting(), "the first travels and retries; ten wait behind it");
      Future<Void> refused = inserts.submit(new InsertOneModel<>(new Document("_id", "refused")));
      assertTrue(refused.failed());
      assertInstanceOf(StoreUnavailableException.class, refused.cause());

      embedded = EmbeddedStore.start(dir, port);
      Future.all(accepted).await(60, TimeUnit.SECONDS);
      assertEquals(12L, store.first(messages.countDocuments()).await(10, TimeUnit.SECONDS));
      assertEquals(0, inserts.waiting());
    } finally {
      embedded.close();
    }
  }
}
