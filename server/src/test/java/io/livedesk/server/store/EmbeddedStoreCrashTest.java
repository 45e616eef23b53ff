package io.livedesk.server.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.livedesk.server.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an acknowledgement promises: a write the embedded store answered survives the process
 * being killed (SIGKILL, no shutdown hook, no close) right after the answer.
 */
class EmbeddedStoreCrashTest {

  private static final Vertx vertx = Vertx.vertx();

  @AfterAll
  static void stop() {
    vertx.close();
  }

  @Test
  void everyAcknowledgedWriteSurvivesAKill() throws Exception {
    Path dir = Path.of(TestNodes.tempDir());
    Process child = startChild(dir);
    // the expected state of every document whose every write was acknowledged
    Map<String, Integer> expected = new TreeMap<>();
    List<String> deleted = new ArrayList<>();
    try {
      int port = awaitPort(child).get(60, TimeUnit.SECONDS);
      try (Store store = new Store(vertx, "mongodb://127.0.0.1:" + port, "livedesk")) {
        var docs = store.collection("crash");
        int rounds = 10;
        int perRound = 40;
        for (int r = 0; r < rounds; r++) {
          // a command outside the journal: a collection created and dropped, the drop acknowledged
          var dropped = store.collection("dropped" + r);
          store.first(dropped.insertOne(new Document("_id", "gone"))).await(30, TimeUnit.SECONDS);
          store.first(dropped.drop()).await(30, TimeUnit.SECONDS);
          List<Future<?>> round = new ArrayList<>();
          for (int i = 0; i < perRound; i++) {
            String id = "d" + r + "-" + i;
            round.add(store.first(docs.insertOne(new Document("_id", id).append("v", 0))));
          }
          Future.all(round).await(30, TimeUnit.SECONDS);
          for (int i = 0; i < perRound; i++) {
            expected.put("d" + r + "-" + i, 0);
          }
          // updates and deletes of the previous round's documents are writes too
          if (r > 0) {
            List<Future<?>> changes = new ArrayList<>();
            for (int i = 0; i < perRound; i++) {
              String id = "d" + (r - 1) + "-" + i;
              changes.add(i % 5 == 0
                  ? store.first(docs.deleteOne(Filters.eq("_id", id)))
                  : store.first(docs.updateOne(Filters.eq("_id", id), Updates.set("v", r))));
            }
            Future.all(changes).await(30, TimeUnit.SECONDS);
            for (int i = 0; i < perRound; i++) {
              String id = "d" + (r - 1) + "-" + i;
              if (i % 5 == 0) {
                expected.remove(id);
                deleted.add(id);
              } else {
                expected.put(id, r);
              }
            }
          }
        }
        // the last answer is in: kill at once, as a crash would
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      }
    } finally {
      child.destroyForcibly();
    }

    // a crash in the middle of writing a group leaves a record cut short at the journal's end:
    // it was never acknowledged, and must not stop the store from opening
    try (Stream<Path> files = Files.list(dir)) {
      Path newest = files.filter(f -> f.getFileName().toString().startsWith("journal-")).max(Path::compareTo).orElseThrow();
      Files.write(newest, new byte[] {0, 0, 1, 0, 42, 42, 42, 42, 1, 2, 3}, StandardOpenOption.APPEND);
    }
    try (EmbeddedStore reopened = EmbeddedStore.start(dir, 0); Store store = new Store(vertx, reopened.uri(), "livedesk")) {
      for (int r = 0; r < 10; r++) {
        assertEquals(List.of(), store.all(store.collection("dropped" + r).find()).await(30, TimeUnit.SECONDS),
            "the acknowledged drop of dropped" + r + " undone");
      }
      List<Document> found = store.all(store.collection("crash").find()).await(30, TimeUnit.SECONDS);
      Map<String, Integer> actual = new TreeMap<>();
      found.forEach(d -> actual.put(d.getString("_id"), d.getInteger("v")));
      List<String> wrong = expected.entrySet().stream()
          .filter(e -> !e.getValue().equals(actual.get(e.getKey())))
          .map(e -> e.getKey() + " expected v=" + e.getValue() + " found " + actual.get(e.getKey())).toList();
      List<String> resurrected = deleted.stream().filter(actual::containsKey).toList();
      assertTrue(wrong.isEmpty() && resurrected.isEmpty(), expected.size() + " acknowledged documents: " + wrong.size()
          + " lost or stale (first: " + wrong.stream().limit(5).toList() + "), " + resurrected.size()
          + " acknowledged deletes undone (first: " + resurrected.stream().limit(5).toList() + ")");
      assertEquals(expected, actual);
    }
  }

  private static Process startChild(Path dir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), EmbeddedStoreProcess.class.getName(), dir.toString());
    builder.redirectErrorStream(true);
    return builder.start();
  }

  /** The child's port; its output is drained to the end so its logging can never block on a full pipe. */
  private static CompletableFuture<Integer> awaitPort(Process child) {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith(EmbeddedStoreProcess.PORT_LINE)) {
            port.complete(Integer.parseInt(line.substring(EmbeddedStoreProcess.PORT_LINE.length()).trim()));
          }
        }
        port.completeExceptionally(new IllegalStateException("the embedded store process ended without a port"));
      } catch (Exception e) {
        port.completeExceptionally(e);
      }
    }, "embedded-store-child-output");
    reader.setDaemon(true);
    reader.start();
    return port;
  }
}
