package io.livedesk.server.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.FindPublisher;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.server.testing.TestNodes;
import io.vertx.core.Vertx;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Planned queries answer exactly what the scan answers: the same documents in the same order
 * (ties in a sort included), for random filters, sorts and limits over one collection with
 * indexes and its twin without, both changed by the same random updates and deletes.
 */
class EmbeddedStorePlannerTest {

  private static final int DOCUMENTS = 3_000;

  @Test
  void plannedQueriesAnswerWhatTheScanAnswers() throws Exception {
    Vertx vertx = Vertx.vertx();
    long seed = Long.getLong("planner.seed", System.nanoTime());
    Random random = new Random(seed);
    try (EmbeddedStore embedded = EmbeddedStore.start(Path.of(TestNodes.tempDir()), 0);
         Store store = new Store(vertx, embedded.uri(), "livedesk")) {
      MongoCollection<Document> indexed = store.collection("indexed");
      MongoCollection<Document> plain = store.collection("plain");
      for (Bson keys : List.of(Indexes.ascending("a", "b"), Indexes.compoundIndex(Indexes.ascending("a"), Indexes.descending("b"),
          Indexes.ascending("c")), Indexes.descending("b"), Indexes.ascending("c", "b"))) {
        store.first(indexed.createIndex(keys)).await(10, TimeUnit.SECONDS);
      }
      store.first(indexed.createIndex(Indexes.ascending("u", "b"), new IndexOptions().unique(true))).await(10, TimeUnit.SECONDS);
      List<Document> docs = new ArrayList<>();
      for (int i = 0; i < DOCUMENTS; i++) {
        docs.add(randomDocument(random, i));
      }
      store.first(indexed.insertMany(docs)).await(60, TimeUnit.SECONDS);
      store.first(plain.insertMany(docs.stream().map(d -> new Document(d)).toList())).await(60, TimeUnit.SECONDS);

      long examinedBefore = embedded.documentsExamined();
      int queries = 0;
      for (int round = 0; round < 6; round++) {
        for (int q = 0; q < 60; q++, queries++) {
          Bson filter = randomFilter(random);
          Bson sort = randomSort(random);
          int limit = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(30);
          String what = "seed " + seed + ": " + filter.toBsonDocument() + " sort " + (sort == null ? null : sort.toBsonDocument()) + " limit " + limit;
          assertEquals(store.all(find(plain, filter, sort, limit)).await(10, TimeUnit.SECONDS),
              store.all(find(indexed, filter, sort, limit)).await(10, TimeUnit.SECONDS), what);
          assertEquals(store.all(plain.find(filter)).await(10, TimeUnit.SECONDS),
              store.all(indexed.find(filter)).await(10, TimeUnit.SECONDS), "round " + round + ", unsorted, " + what);
          assertEquals(store.first(plain.countDocuments(filter)).await(10, TimeUnit.SECONDS),
              store.first(indexed.countDocuments(filter)).await(10, TimeUnit.SECONDS), "count, " + what);
        }
        // the same changes to both: the indexes follow updates, deletes and inserts
        for (int c = 0; c < 100; c++) {
          Bson filter = Filters.eq("_id", "d" + random.nextInt(DOCUMENTS + 200));
          int op = random.nextInt(4);
          int a = random.nextInt(6);
          for (MongoCollection<Document> coll : List.of(indexed, plain)) {
            switch (op) {
              case 0 -> store.first(coll.updateOne(filter, Updates.set("a", a))).await(10, TimeUnit.SECONDS);
              case 1 -> store.first(coll.updateMany(Filters.eq("c", "c" + c % 7), Updates.inc("b", 1))).await(10, TimeUnit.SECONDS);
              case 2 -> store.first(coll.deleteOne(filter)).await(10, TimeUnit.SECONDS);
              default -> store.first(coll.insertOne(randomDocument(new Random(seed + round * 1000L + c), DOCUMENTS + round * 100 + c)))
                  .recover(e -> io.vertx.core.Future.succeededFuture()).await(10, TimeUnit.SECONDS);
            }
          }
        }
      }
      assertTrue(queries > 300);
      assertTrue(embedded.documentsExamined() > examinedBefore);
    } finally {
      vertx.close();
    }
  }

  private static FindPublisher<Document> find(MongoCollection<Document> coll, Bson filter, Bson sort, int limit) {
    FindPublisher<Document> find = coll.find(filter);
    if (sort != null) {
      find = find.sort(sort);
    }
    return limit > 0 ? find.limit(limit) : find;
  }

  /** Few distinct values, so sorts tie; some fields missing, null, or of another type. */
  private static Document randomDocument(Random random, int i) {
    Document d = new Document("_id", "d" + i);
    int shape = random.nextInt(20);
    if (shape != 0) {
      d.append("a", shape == 1 ? null : shape == 2 ? "s" + random.nextInt(3) : (Object) random.nextInt(6));
    }
    if (shape != 3) {
      d.append("b", shape == 4 ? (Object) (random.nextInt(40) + 0.5) : shape == 5 ? (Object) (long) random.nextInt(40) : random.nextInt(40));
    }
    d.append("c", "c" + random.nextInt(7));
    d.append("u", "u" + i);
    return d;
  }

  private static Bson randomFilter(Random random) {
    List<Bson> parts = new ArrayList<>();
    switch (random.nextInt(8)) {
      case 0 -> parts.add(Filters.eq("a", random.nextInt(6)));
      case 1 -> parts.add(Filters.in("a", random.nextInt(6), random.nextInt(6), "s1"));
      case 2 -> parts.add(Filters.eq("c", "c" + random.nextInt(7)));
      case 3 -> parts.add(Filters.eq("_id", "d" + random.nextInt(DOCUMENTS)));
      case 4 -> parts.add(Filters.eq("u", "u" + random.nextInt(DOCUMENTS)));
      case 5 -> parts.add(Filters.eq("a", "s" + random.nextInt(3)));
      default -> {
      }
    }
    int b = random.nextInt(45) - 2;
    switch (random.nextInt(7)) {
      case 0 -> parts.add(Filters.gt("b", b));
      case 1 -> parts.add(Filters.gte("b", b + 0.5));
      case 2 -> parts.add(Filters.lt("b", (long) b));
      case 3 -> parts.add(Filters.and(Filters.gte("b", b), Filters.lte("b", b + random.nextInt(10) - 3)));
      case 4 -> parts.add(Filters.eq("b", b));
      default -> {
      }
    }
    if (random.nextInt(4) == 0) {
      parts.add(Filters.exists("a", random.nextBoolean()));
    }
    if (random.nextInt(5) == 0) {
      parts.add(Filters.ne("c", "c" + random.nextInt(7)));
    }
    if (parts.isEmpty()) {
      return new Document();
    }
    // Filters.and renders a flat document for distinct fields, $and for repeated ones; a nested $and too now and then
    return parts.size() == 1 ? parts.get(0) : random.nextBoolean() ? Filters.and(parts) : new Document("$and", parts);
  }

  private static Bson randomSort(Random random) {
    return switch (random.nextInt(7)) {
      case 0 -> Sorts.ascending("b");
      case 1 -> Sorts.descending("b");
      case 2 -> Sorts.ascending("b", "c");
      case 3 -> Sorts.orderBy(Sorts.descending("b"), Sorts.ascending("c"));
      case 4 -> Sorts.ascending("a");
      default -> null;
    };
  }
}
