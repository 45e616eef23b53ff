package io.livedesk.server.store;

import io.livedesk.server.metrics.Metrics;
import io.livedesk.server.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writes wait out a store outage in a bounded buffer; nothing that completed is lost. */
class WriteBufferTest {

  private static final Vertx vertx = Vertx.vertx();

  @AfterAll
  static void stop() {
    vertx.close();
  }

  @Test
  void writesMadeWhileTheStoreIsDownCompleteWhenItReturnsAndAreAllStored() throws Exception {
    Path dir = Path.of(TestNodes.tempDir());
    int port = freePort();
    EmbeddedStore embedded = EmbeddedStore.start(dir, port);
    try (Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      WriteBuffer buffer = new WriteBuffer(vertx, new Metrics(), 100, 60_000);
      store.first(store.collection("m").insertOne(new Document("_id", "before"))).await(10, TimeUnit.SECONDS);
      embedded.close();

      List<Future<?>> writes = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        Document doc = new Document("_id", "during-" + i);
        writes.add(buffer.write(store, () -> store.collection("m").insertOne(doc)));
      }
      assertEquals(20, buffer.pending());
      embedded = EmbeddedStore.start(dir, port);
      Future.all(writes).await(60, TimeUnit.SECONDS);

      assertEquals(21L, store.first(store.collection("m").countDocuments()).await(10, TimeUnit.SECONDS));
      assertEquals(0, buffer.pending());
    } finally {
      embedded.close();
    }
  }

  @Test
  void aFullBufferRefusesAtOnceWithARetryableError() throws Exception {
    int port = freePort();
    EmbeddedStore embedded = EmbeddedStore.start(Path.of(TestNodes.tempDir()), port);
    try (Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      WriteBuffer buffer = new WriteBuffer(vertx, new Metrics(), 2, 60_000);
      embedded.close();
      buffer.write(store, () -> store.collection("m").insertOne(new Document("_id", 1)));
      buffer.write(store, () -> store.collection("m").insertOne(new Document("_id", 2)));
      Future<?> third = buffer.write(store, () -> store.collection("m").insertOne(new Document("_id", 3)));
      assertTrue(third.failed());
      assertInstanceOf(StoreUnavailableException.class, third.cause());
      embedded = EmbeddedStore.start(Path.of(TestNodes.tempDir()), port);
    } finally {
      embedded.close();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
