package io.livedesk.server.push;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.server.store.Store;
import io.vertx.core.Future;
import org.bson.Document;

import java.util.Collection;
import java.util.Date;
import java.util.List;

/**
 * Who a coupon push reached: one MongoDB record per campaign and user ({@code _id =
 * campaign/user}), stored before the push is written to the user's sessions, on whichever node.
 * A claim is granted only against such a record, so a coupon id learnt elsewhere is worth
 * nothing; a push with a coupon of its own expiry (the cart-dwell rule's) keeps that expiry here,
 * on the server.
 */
public final class Reach {

  public static final String COLLECTION = "push_reached";

  private final Store store;
  private final MongoCollection<Document> reached;

  Reach(Store store) {
    this.store = store;
    this.reached = store.collection(COLLECTION);
  }

  /** Records that the campaign's push goes to these users; one already recorded stays as it was. */
  Future<Void> record(String campaignId, Collection<String> users, long now, long expiresAt) {
    if (users.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Document> docs = users.stream().map(u -> new Document("_id", key(campaignId, u)).append("campaign", campaignId)
        .append("user", u).append("at", new Date(now)).append("expiresAt", expiresAt)).toList();
    return store.first(reached.insertMany(docs, new InsertManyOptions().ordered(false))).<Void>mapEmpty()
        .recover(e -> e instanceof MongoBulkWriteException b && b.getWriteErrors().stream()
            .allMatch(w -> ErrorCategory.fromErrorCode(w.getCode()) == ErrorCategory.DUPLICATE_KEY)
            ? Future.succeededFuture() : Future.failedFuture(e));
  }

  /** The record of the campaign reaching the user, or null when it never did. */
  Future<Document> of(String campaignId, String user) {
    return store.first(reached.find(Filters.eq("_id", key(campaignId, user))));
  }

  /** True the first time the user reports opening the campaign's push (a user the push never reached opens nothing). */
  Future<Boolean> opened(String campaignId, String user, long now) {
    return store.first(reached.updateOne(Filters.and(Filters.eq("_id", key(campaignId, user)), Filters.exists("openedAt", false)),
        Updates.set("openedAt", new Date(now)))).map(r -> r.getModifiedCount() == 1);
  }

  private static String key(String campaignId, String user) {
    return campaignId + "/" + user;
  }
}
