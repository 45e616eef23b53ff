package io.livedesk.server.store;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.bson.Document;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What an acknowledged write costs on the embedded store: W writers, each inserting one small
 * document at a time through the driver and sending the next when the previous is acknowledged,
 * for a fixed time per W. Prints one line per W: writes/s and p50/p99 ack latency in ms.
 * Run by load-tests/bench/store-sync.sh; arguments: seconds per step, then writer counts.
 */
public final class EmbeddedStoreWriteBench {

  private EmbeddedStoreWriteBench() {
  }

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int[] writerCounts = args.length > 1 ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {1, 8, 64};
    Path dir = Files.createTempDirectory("livedesk-bench");
    Vertx vertx = Vertx.vertx();
    try (EmbeddedStore embedded = EmbeddedStore.start(dir, 0); Store store = new Store(vertx, embedded.uri(), "bench")) {
      var docs = store.collection("writes");
      String text = "x".repeat(200);
      // warm the driver's pool and the JIT
      runStep(vertx, store, docs, 8, 2, text, "warm");
      for (int writers : writerCounts) {
        long syncs = embedded.syncs();
        long[] latencies = runStep(vertx, store, docs, writers, seconds, text, "w" + writers);
        Arrays.sort(latencies);
        System.out.printf(Locale.ROOT, "RESULT writers=%d writes=%d writesPerSec=%.0f p50Ms=%.2f p99Ms=%.2f syncs=%d%n", writers,
            latencies.length, latencies.length / (double) seconds, pct(latencies, 0.50) / 1e6, pct(latencies, 0.99) / 1e6,
            embedded.syncs() - syncs);
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static long[] runStep(Vertx vertx, Store store, com.mongodb.reactivestreams.client.MongoCollection<Document> docs,
                                int writers, int seconds, String text, String prefix) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ids = new AtomicLong();
    List<long[]> perWriter = new ArrayList<>();
    List<io.vertx.core.Future<Void>> done = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      long[][] buffer = {new long[1024]};
      int[] count = {0};
      Promise<Void> finished = Promise.promise();
      done.add(finished.future());
      Runnable[] next = new Runnable[1];
      next[0] = () -> {
        if (!running.get()) {
          perWriter.add(Arrays.copyOf(buffer[0], count[0]));
          finished.complete();
          return;
        }
        long start = System.nanoTime();
        store.first(docs.insertOne(new Document("_id", prefix + "-" + ids.incrementAndGet()).append("text", text)))
            .onComplete(ar -> {
              if (ar.failed()) {
                finished.fail(ar.cause());
                return;
              }
              if (count[0] == buffer[0].length) {
                buffer[0] = Arrays.copyOf(buffer[0], count[0] * 2);
              }
              buffer[0][count[0]++] = System.nanoTime() - start;
              next[0].run();
            });
      };
      vertx.runOnContext(v -> next[0].run());
    }
    vertx.setTimer(TimeUnit.SECONDS.toMillis(seconds), t -> running.set(false));
    io.vertx.core.Future.all(done).await(seconds + 60L, TimeUnit.SECONDS);
    synchronized (perWriter) {
      return perWriter.stream().flatMapToLong(Arrays::stream).toArray();
    }
  }

  private static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
  }
}
