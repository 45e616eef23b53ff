package io.livedesk.server.privacy;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.result.DeleteResult;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.protocol.ConversationState;
import io.livedesk.server.conversation.Conversations;
import io.livedesk.server.push.Behaviour;
import io.livedesk.server.push.Claims;
import io.livedesk.server.push.Reach;
import io.livedesk.server.room.RoomArchive;
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

  /** How many were erased (and, for a customer's erasure, what else of theirs). */
  record Erased(long conversations, long messages, JsonObject more) {
    Erased(long conversations, long messages) {
      this(conversations, messages, new JsonObject());
    }

    Erased plus(Erased other) {
      return new Erased(conversations + other.conversations, messages + other.messages, more.copy().mergeIn(other.more));
    }

    JsonObject toJson() {
      return new JsonObject().put("conversations", conversations).put("messages", messages).mergeIn(more);
    }
  }

  private static final int BATCH = 500;
  private static final Bson FINISHED = Filters.in("state", ConversationState.RESOLVED.name(), ConversationState.CLOSED.name());

  private final Store store;
  private final MongoCollection<Document> conversations;
  private final MongoCollection<Document> messages;
  private final MongoCollection<Document> slaEvents;
  private final MongoCollection<Document> roomMessages;
  private final MongoCollection<Document> grants;
  private final MongoCollection<Document> receipts;
  private final MongoCollection<Document> reached;

  Transcripts(Store store) {
    this.store = store;
    this.conversations = store.collection(Conversations.CONVERSATIONS);
    this.messages = store.collection(Conversations.MESSAGES);
    this.slaEvents = store.collection(Conversations.SLA_EVENTS);
    this.roomMessages = store.collection(RoomArchive.COLLECTION);
    this.grants = store.collection(Claims.COLLECTION);
    this.receipts = store.collection(Behaviour.RECEIPTS);
    this.reached = store.collection(Reach.COLLECTION);
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
              })
              .compose(export -> everythingElse(customerId, ids).map(export::mergeIn));
        });
  }

  /** The rest the store keeps about the customer: room chat, coupon grants, push receipts, SLA events of their conversations. */
  private Future<JsonObject> everythingElse(String customerId, List<String> conversationIds) {
    Bson user = Filters.eq("user", customerId);
    Future<List<Document>> room = store.all(roomMessages.find(user).sort(Sorts.ascending("at")));
    Future<List<Document>> granted = store.all(grants.find(user).sort(Sorts.ascending("at")));
    Future<List<Document>> rules = store.all(receipts.find(user));
    Future<List<Document>> pushes = store.all(reached.find(user));
    Future<List<Document>> sla = store.all(slaEvents.find(Filters.in("conversationId", conversationIds)));
    return Future.all(room, granted, rules, pushes, sla).map(v -> new JsonObject()
        .put("roomMessages", array(room.result())).put("couponGrants", array(granted.result()))
        .put("pushReceipts", array(rules.result()).addAll(array(pushes.result()))).put("slaEvents", array(sla.result())));
  }

  private static JsonArray array(List<Document> docs) {
    JsonArray out = new JsonArray();
    docs.forEach(d -> out.add(json(d)));
    return out;
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
            : eraseBatches(Filters.and(customer, FINISHED), new Erased(0, 0)))
        .compose(erased -> eraseEverythingElse(customerId).map(more -> erased.plus(new Erased(0, 0, more))));
  }

  /**
   * Room chat and push receipts go; a coupon grant stays, without the customer: it still holds its
   * slot, or a count rebuilt from the grants would hand the coupon out again past the total.
   */
  private Future<JsonObject> eraseEverythingElse(String customerId) {
    Bson user = Filters.eq("user", customerId);
    Future<DeleteResult> room = store.first(roomMessages.deleteMany(user));
    Future<DeleteResult> rules = store.first(receipts.deleteMany(user));
    Future<DeleteResult> pushes = store.first(reached.deleteMany(user));
    Future<Integer> granted = store.all(grants.find(user)).compose(found -> Future.all(found.stream().map(this::anonymise).toList())
        .map(v -> found.size()));
    return Future.all(room, rules, pushes, granted).map(v -> new JsonObject()
        .put("roomMessages", count(room.result())).put("pushReceipts", count(rules.result()) + count(pushes.result()))
        .put("couponGrantsAnonymised", granted.result()));
  }

  /** The grant's id names its user: it is replaced by one that does not, holding the same slot. */
  private Future<Void> anonymise(Document grant) {
    Document kept = new Document("_id", grant.getString("campaign") + "/erased-" + java.util.UUID.randomUUID() + "/1")
        .append("grantId", grant.getString("grantId")).append("campaign", grant.getString("campaign"))
        .append("coupon", grant.getString("coupon")).append("user", "erased").append("at", grant.get("at"))
        .append("converted", grant.get("converted"));
    if (grant.containsKey("slot")) {
      kept.append("slot", grant.getString("slot"));
    }
    return store.first(grants.deleteOne(Filters.eq("_id", grant.getString("_id"))))
        .compose(d -> store.first(grants.insertOne(kept))).mapEmpty();
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
          return store.first(slaEvents.deleteMany(Filters.in("conversationId", ids)))
              .compose(sla -> store.first(messages.deleteMany(Filters.in("conversationId", ids))))
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
