package io.livedesk.server.store;

import io.livedesk.server.testing.TestNodes;
import io.vertx.core.Vertx;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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
}
