package io.livedesk.server.privacy;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.result.DeleteResult;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.protocol.ConversationState;
import io.livedesk.server.conversation.Conversations;
import io.livedesk.server.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A customer's transcripts (their conversations and every message in them) as the store holds
 * them: exported whole, or erased; and closed transcripts past the retention time, erased in
 * batches.
 */
final class Transcripts {

  /** How many were erased. */
  record Erased(long conversations, long messages) {
    Erased plus(Erased other) {
      return new Erased(conversations + other.conversations, messages + other.messages);
    }

    JsonObject toJson() {
      return new JsonObject().put("conversations", conversations).put("messages", messages);
    }
  }

  private static final int BATCH = 500;
  private static final Bson FINISHED = Filters.in("state", ConversationState.RESOLVED.name(), ConversationState.CLOSED.name());

  private final Store store;
  private final MongoCollection<Document> conversations;
  private final MongoCollection<Document> messages;

  Transcripts(Store store) {
    this.store = store;
    this.conversations = store.collection(Conversations.CONVERSATIONS);
    this.messages = store.collection(Conversations.MESSAGES);
  }

  /** Every conversation of the customer, oldest first, each with its messages in order. */
  Future<JsonObject> export(String customerId) {
    return store.all(conversations.find(Filters.eq("customerId", customerId)).sort(Sorts.ascending("createdAt")))
        .compose(convs -> {
          List<String> ids = convs.stream().map(c -> c.getString("_id")).toList();
          return store.all(messages.find(Filters.in("conversationId", ids)).sort(Sorts.ascending("conversationId", "seq")))
              .map(msgs -> {
                Map<String, JsonArray> byConversation = new LinkedHashMap<>();
                ids.forEach(id -> byConversation.put(id, new JsonArray()));
                msgs.forEach(m -> byConversation.get(m.getString("conversationId")).add(json(m)));
                JsonArray out = new JsonArray();
                convs.forEach(c -> out.add(json(c).put("messages", byConversation.get(c.getString("_id")))));
                return new JsonObject().put("customerId", customerId).put("exportedAt", System.currentTimeMillis())
                    .put("conversations", out);
              });
        });
  }

  /** A customer with conversations still open: they are closed first, so no agent or queue loses one mid-way. */
  static final class StillOpen extends RuntimeException {
    final long open;

    StillOpen(long open) {
      super(open + " conversation(s) of this customer are still open; close them first", null, false, false);
      this.open = open;
    }
  }

  /** Erases every conversation of the customer and their messages; fails with {@link StillOpen} while one is open. */
  Future<Erased> erase(String customerId) {
    Bson customer = Filters.eq("customerId", customerId);
    return store.first(conversations.countDocuments(Filters.and(customer, Filters.nor(FINISHED))))
        .compose(open -> open > 0 ? Future.failedFuture(new StillOpen(open))
            // Only finished ones, so a conversation opened meanwhile is never pulled from under its agent.
            : eraseBatches(Filters.and(customer, FINISHED), new Erased(0, 0)));
  }

  /** Erases closed conversations whose last activity was before {@code cutoff}, and their messages. */
  Future<Erased> eraseFinishedBefore(long cutoff) {
    return eraseBatches(Filters.and(FINISHED, Filters.lt("lastActivityAt", cutoff)), new Erased(0, 0));
  }

  /** Messages go first, so a failure half-way leaves no message without its conversation. */
  private Future<Erased> eraseBatches(Bson filter, Erased sofar) {
    return store.all(conversations.find(filter).projection(Projections.include("_id")).limit(BATCH))
        .compose(batch -> {
          if (batch.isEmpty()) {
            return Future.succeededFuture(sofar);
          }
          List<String> ids = batch.stream().map(d -> d.getString("_id")).toList();
          return store.first(messages.deleteMany(Filters.in("conversationId", ids)))
              .compose(m -> store.first(conversations.deleteMany(Filters.in("_id", ids)))
                  .map(c -> sofar.plus(new Erased(count(c), count(m)))))
              .compose(total -> batch.size() < BATCH ? Future.succeededFuture(total) : eraseBatches(filter, total));
        });
  }

  private static long count(DeleteResult r) {
    return r == null ? 0 : r.getDeletedCount();
  }

  private static JsonObject json(Document d) {
    JsonObject json = new JsonObject(d.toJson());
    json.put("id", json.remove("_id"));
    return json;
  }
}
