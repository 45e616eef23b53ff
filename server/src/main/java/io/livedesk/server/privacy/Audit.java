package io.livedesk.server.privacy;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.server.store.Store;
import io.livedesk.server.store.WriteBuffer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The audit trail of access to personal data: who did what to whose data, when, and how much.
 * Records are only ever added; they ride out a store outage in the write buffer.
 */
public final class Audit {

  static final String COLLECTION = "audit";
  /** The actor of what the server does on its own (retention). */
  public static final String SYSTEM = "system";

  private final Store store;
  private final WriteBuffer writes;
  private final MongoCollection<Document> records;

  public Audit(Store store, WriteBuffer writes) {
    this.store = store;
    this.writes = writes;
    this.records = store.collection(COLLECTION);
  }

  Future<Void> createIndexes() {
    return Future.all(store.first(records.createIndex(Indexes.descending("at"))),
        store.first(records.createIndex(Indexes.ascending("subject", "at")))).mapEmpty();
  }

  /** Adds a record; {@code subject} is the customer whose data it was (null for a sweep over many). */
  public Future<Void> record(String actor, String action, String subject, JsonObject details) {
    Document doc = new Document("_id", UUID.randomUUID().toString()).append("at", System.currentTimeMillis())
        .append("actor", actor).append("action", action).append("subject", subject)
        .append("details", Document.parse(details.encode()));
    return writes.write(store, () -> records.insertOne(doc)).mapEmpty();
  }

  /** The newest records first, optionally only about one subject or one action. */
  Future<List<JsonObject>> list(String subject, String action, int limit) {
    List<Bson> filters = new ArrayList<>();
    if (subject != null) {
      filters.add(Filters.eq("subject", subject));
    }
    if (action != null) {
      filters.add(Filters.eq("action", action));
    }
    Bson filter = filters.isEmpty() ? Filters.empty() : Filters.and(filters);
    return store.all(records.find(filter).sort(Sorts.descending("at")).limit(limit))
        .map(docs -> docs.stream().map(d -> {
          JsonObject json = new JsonObject(d.toJson());
          json.put("id", (String) json.remove("_id"));
          return json;
        }).toList());
  }
}
