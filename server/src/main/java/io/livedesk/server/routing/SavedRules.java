package io.livedesk.server.routing;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import io.livedesk.server.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.bson.Document;

import java.util.Optional;

/**
 * The rules an admin set, kept in MongoDB so that they outlive restarts and reach nodes that
 * join later. Stored as JSON text: tag names and keywords are the shop's, and need not be valid
 * MongoDB field names.
 */
final class SavedRules {

  static final String COLLECTION = "routing_rules";
  private static final String ID = "current";

  private final Store store;

  SavedRules(Store store) {
    this.store = store;
  }

  Future<Optional<JsonObject>> load() {
    return store.first(store.collection(COLLECTION).find(Filters.eq("_id", ID)).first())
        .map(doc -> Optional.ofNullable(doc).map(d -> new JsonObject(d.getString("json"))));
  }

  Future<Void> save(JsonObject rules, String by) {
    Document doc = new Document("_id", ID).append("json", rules.encode()).append("by", by)
        .append("at", System.currentTimeMillis());
    return store.first(store.collection(COLLECTION).replaceOne(Filters.eq("_id", ID), doc,
        new ReplaceOptions().upsert(true))).mapEmpty();
  }

  Future<Void> clear() {
    return store.first(store.collection(COLLECTION).deleteOne(Filters.eq("_id", ID))).mapEmpty();
  }
}
