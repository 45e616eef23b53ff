package io.livedesk.server.push;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.protocol.ClaimResult;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.FrameException;
import io.livedesk.server.store.Store;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.bson.Document;

import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.UUID;

/**
 * Coupon claims, exact under any concurrency across the cluster: the coupons left are counted by
 * a Hazelcast entry processor per campaign (never below zero), and a grant's MongoDB id is
 * {@code campaign/user/n}, so the same user can never hold grant n twice. A claim that loses the
 * race for its id gives its coupon back and answers with the grant that won: a retried claim
 * returns the same grant.
 */
final class Claims {

  static final String COLLECTION = "coupon_grants";

  private final Store store;
  private final MongoCollection<Document> grants;
  private final Tally tally;
  private final Map<String, Future<ClaimResult>> inFlight = new ConcurrentHashMap<>();

  Claims(Store store, Tally tally) {
    this.store = store;
    this.grants = store.collection(COLLECTION);
    this.tally = tally;
  }

  Future<Void> start() {
    return store.first(grants.createIndex(Indexes.ascending("user", "at"))).mapEmpty();
  }

  Future<ClaimResult> claim(Campaign c, String userId, long now, Context context) {
    if (c == null || !c.isCoupon() || c.state() == Campaign.State.CANCELLED) {
      return Future.failedFuture(new FrameException(ErrorCode.NOT_FOUND, "no such coupon campaign"));
    }
    ClaimResult.Builder result = ClaimResult.newBuilder().setCampaignId(c.id()).setCouponId(c.coupon().getCouponId());
    if (c.coupon().getExpiresAt() > 0 && now > c.coupon().getExpiresAt()) {
      return Future.succeededFuture(result.setReason(ErrorCode.COUPON_EXPIRED).build());
    }
    // A claim while the same user's claim is still running on this node (a double tap, a retry)
    // shares its answer, so it cannot see "sold out" while the first one takes the last coupon.
    String key = c.id() + "/" + userId;
    Promise<ClaimResult> mine = Promise.promise();
    Future<ClaimResult> running = inFlight.putIfAbsent(key, mine.future());
    if (running != null) {
      return running;
    }
    attempt(c, userId, now, context, result).onComplete(ar -> {
      inFlight.remove(key, mine.future());
      mine.handle(ar);
    });
    return mine.future();
  }

  private Future<ClaimResult> attempt(Campaign c, String userId, long now, Context context, ClaimResult.Builder result) {
    int limit = Math.max(1, c.coupon().getPerUserLimit());
    return held(c.id(), userId).compose(held -> {
      if (held.size() >= limit) {
        // One per user: claiming again is a retry and gets the same grant.
        return Future.succeededFuture(limit == 1 ? granted(result, held.get(0)).build()
            : result.setReason(ErrorCode.CLAIM_LIMIT).build());
      }
      int total = c.coupon().getTotal();
      return tally.take(c.id(), total, context).compose(left -> {
        if (left < 0) {
          // A claim of the same user racing this one may have won the last coupon: that is their grant.
          return held(c.id(), userId).map(now2 -> now2.isEmpty() ? result.setReason(ErrorCode.SOLD_OUT).build()
              : granted(result, now2.get(now2.size() - 1)).build());
        }
        Document grant = new Document("_id", c.id() + "/" + userId + "/" + (held.size() + 1))
            .append("grantId", UUID.randomUUID().toString()).append("campaign", c.id())
            .append("coupon", c.coupon().getCouponId()).append("user", userId).append("at", new Date(now))
            .append("converted", false);
        return store.first(grants.insertOne(grant))
            .map(r -> {
              tally.add(c.id(), Tally.Count.CLAIMED, 1);
              return granted(result, grant).setRemaining(left).build();
            })
            .recover(e -> tally.giveBack(c.id(), total, context).compose(v -> lostRace(e)
                ? held(c.id(), userId).map(now2 -> now2.isEmpty() ? result.setReason(ErrorCode.CONFLICT).build()
                    : granted(result, now2.get(now2.size() - 1)).build())
                : Future.failedFuture(new FrameException(ErrorCode.STORE_UNAVAILABLE, "the claim could not be stored; try again"))));
      });
    });
  }

  /** Marks claims of the last {@code windowMs} converted by an order; answers the campaigns converted. */
  Future<List<String>> convert(String userId, long now, long windowMs) {
    return store.all(grants.find(Filters.and(Filters.eq("user", userId), Filters.eq("converted", false),
            Filters.gte("at", new Date(now - windowMs)))))
        .compose(found -> Future.all(found.stream().map(g -> store.first(grants.updateOne(
                Filters.and(Filters.eq("_id", g.getString("_id")), Filters.eq("converted", false)),
                Updates.set("converted", true))).map(r -> r.getModifiedCount() == 1 ? g.getString("campaign") : null))
            .toList()))
        .map(all -> all.<String>list().stream().filter(id -> id != null).toList());
  }

  private Future<List<Document>> held(String campaignId, String userId) {
    return store.all(grants.find(Filters.and(Filters.eq("campaign", campaignId), Filters.eq("user", userId)))
        .sort(Sorts.ascending("at")));
  }

  private static ClaimResult.Builder granted(ClaimResult.Builder result, Document grant) {
    return result.setGranted(true).setGrantId(grant.getString("grantId")).clearReason();
  }

  private static boolean lostRace(Throwable e) {
    return e instanceof MongoWriteException w && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY;
  }
}
