package io.livedesk.server.store;

import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.bson.Document;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the in-memory indexes cost: loads N conversations (with the indexes Conversations
 * declares) through the driver in batches of 1,000, then times closing and reopening the store,
 * which rebuilds the indexes. Prints RESULT lines. Argument: N (default 100,000).
 */
public final class EmbeddedStoreOpenBench {

  private EmbeddedStoreOpenBench() {
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    Path dir = Files.createTempDirectory("livedesk-open-bench");
    Vertx vertx = Vertx.vertx();
    try {
      long started = System.nanoTime();
      try (EmbeddedStore embedded = EmbeddedStore.start(dir, 0); Store store = new Store(vertx, embedded.uri(), "livedesk")) {
        var conversations = store.collection("conversations");
        Future.all(List.of(
            store.first(conversations.createIndex(Indexes.ascending("customerId", "askId"), new IndexOptions().unique(true))),
            store.first(conversations.createIndex(Indexes.ascending("customerId", "createdAt"))),
            store.first(conversations.createIndex(Indexes.ascending("customerId", "intent", "createdAt"))),
            store.first(conversations.createIndex(Indexes.ascending("agentId", "state"))),
            store.first(conversations.createIndex(Indexes.ascending("state", "lastActivityAt"))),
            store.first(conversations.createIndex(Indexes.ascending("state", "responseDueAt"))))).await(30, TimeUnit.SECONDS);
        for (int from = 0; from < n; from += 1000) {
          List<Document> batch = new ArrayList<>();
          for (int i = from; i < Math.min(n, from + 1000); i++) {
            batch.add(new Document("_id", "c" + i).append("customerId", "u" + (i % 5000)).append("askId", "a" + i)
                .append("intent", "billing").append("createdAt", 1_700_000_000_000L + i).append("state", "CLOSED")
                .append("lastActivityAt", 1_700_000_000_000L + i).append("agentId", "agent" + (i % 50)));
          }
          store.first(conversations.insertMany(batch)).await(60, TimeUnit.SECONDS);
        }
        System.out.printf("RESULT loaded=%d loadMs=%d%n", n, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      }
      started = System.nanoTime();
      try (EmbeddedStore embedded = EmbeddedStore.start(dir, 0)) {
        System.out.printf("RESULT reopenMs=%d%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
