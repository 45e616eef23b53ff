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
 * What the in-memory indexes cost: loads N conversations and 5 N messages (with the indexes
 * Conversations declares) through the driver in batches of 1,000, then times closing and reopening the store,
 * which rebuilds the indexes, and measures the heap the open store holds (after a full
 * collection, against the heap before it opened). Prints RESULT lines. Argument: N (default 100,000).
 */
public final class EmbeddedStoreOpenBench {

  private EmbeddedStoreOpenBench() {
  }

  private static long usedHeapAfterGc() {
    System.gc(); // a benchmark's measurement, outside anything timed
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
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
        var messages = store.collection("messages");
        Future.all(List.of(
            store.first(messages.createIndex(Indexes.ascending("conversationId", "senderId", "clientMsgId"), new IndexOptions().unique(true))),
            store.first(messages.createIndex(Indexes.ascending("conversationId", "seq"), new IndexOptions().unique(true)))))
            .await(30, TimeUnit.SECONDS);
        for (int from = 0; from < 5 * n; from += 1000) {
          List<Document> batch = new ArrayList<>();
          for (int i = from; i < Math.min(5 * n, from + 1000); i++) {
            String conversation = "c" + (i % n);
            int seq = i / n + 1;
            batch.add(new Document("_id", conversation + ":" + seq).append("conversationId", conversation).append("seq", seq)
                .append("senderId", "u" + (i % n % 5000)).append("senderName", "Customer").append("senderRole", "CUSTOMER")
                .append("text", "where is my parcel? order " + i).append("clientMsgId", "m" + i).append("at", 1_700_000_000_000L + i));
          }
          store.first(messages.insertMany(batch)).await(60, TimeUnit.SECONDS);
        }
        System.out.printf("RESULT loaded=%d conversations and %d messages loadMs=%d%n", n, 5 * n,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      }
      long heapBefore = usedHeapAfterGc();
      started = System.nanoTime();
      try (EmbeddedStore embedded = EmbeddedStore.start(dir, 0)) {
        long reopenMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        long held = usedHeapAfterGc() - heapBefore;
        System.out.printf("RESULT reopenMs=%d heldBytes=%d heldBytesPerDocument=%d%n", reopenMs, held, held / (6L * n));
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
