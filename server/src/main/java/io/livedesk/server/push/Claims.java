package io.livedesk.server.push;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
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
 * Coupon claims, exact under any concurrency across the cluster and any loss of Hazelcast state.
 * A campaign's coupons are slots 1..total; a grant holds one (a unique {@code slot} in MongoDB), so
 * no count, cached or lost, can ever grant more than {@code total}. Slots are handed out by a
 * Hazelcast entry processor per campaign, for speed; when that entry is lost (members lost beyond
 * the backups, a whole-cluster restart) it is counted again from the grants. A grant's MongoDB id
 * is {@code campaign/user/n}, so the same user can never hold grant n twice. A claim that loses the
 * race for its id gives its slot back and answers with the grant that won: a retried claim
 * returns the same grant.
 */
public final class Claims {

  public static final String COLLECTION = "coupon_grants";
  /** Slots tried for one claim: more are taken only right after the count was rebuilt under claims in flight. */
  private static final int SLOT_ATTEMPTS = 64;

  private final Store store;
  private final MongoCollection<Document> grants;
  private final Tally tally;
  private final Reach reach;
  private final Map<String, Future<ClaimResult>> inFlight = new ConcurrentHashMap<>();

  Claims(Store store, Tally tally, Reach reach) {
    this.store = store;
    this.reach = reach;
    this.grants = store.collection(COLLECTION);
    this.tally = tally;
  }

  Future<Void> start() {
    // A coupon is a numbered slot, held by at most one grant: MongoDB, not the cached count, is what
    // makes overselling impossible. Sparse: grants stored before slots existed have none.
    return Future.all(
        store.first(grants.createIndex(Indexes.ascending("user", "at"))),
        store.first(grants.createIndex(Indexes.ascending("campaign"))),
        store.first(grants.createIndex(Indexes.ascending("slot"), new IndexOptions().unique(true).sparse(true)))).mapEmpty();
  }

  Future<ClaimResult> claim(Campaign c, String userId, long now, Context context) {
    if (c == null || !c.isCoupon() || c.state() == Campaign.State.CANCELLED) {
      return Future.failedFuture(new FrameException(ErrorCode.NOT_FOUND, "no such coupon campaign"));
    }
    ClaimResult.Builder result = ClaimResult.newBuilder().setCampaignId(c.id()).setCouponId(c.coupon().getCouponId());
    // Only whom the push reached, and only before the expiry the server keeps: not the client's word for either.
    return reach.of(c.id(), userId).compose(reached -> {
      if (reached == null) {
        return Future.failedFuture(new FrameException(ErrorCode.NOT_FOUND, "no such coupon campaign"));
      }
      long expiresAt = reached.get("expiresAt", 0L) > 0 ? reached.getLong("expiresAt") : c.coupon().getExpiresAt();
      if (expiresAt > 0 && now > expiresAt) {
        return Future.succeededFuture(result.setReason(ErrorCode.COUPON_EXPIRED).build());
      }
      return claimOnce(c, userId, now, context, result);
    });
  }

  private Future<ClaimResult> claimOnce(Campaign c, String userId, long now, Context context, ClaimResult.Builder result) {
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
      Document grant = new Document("_id", c.id() + "/" + userId + "/" + (held.size() + 1))
          .append("grantId", UUID.randomUUID().toString()).append("campaign", c.id())
          .append("coupon", c.coupon().getCouponId()).append("user", userId).append("at", new Date(now))
          .append("converted", false);
      return grant(c, userId, grant, context, result, SLOT_ATTEMPTS);
    });
  }

  /**
   * Takes a slot and stores the grant in it. A slot that turns out to be held already was taken
   * from a count rebuilt while grants were still being stored: it is used, and the next is taken.
   */
  private Future<ClaimResult> grant(Campaign c, String userId, Document grant, Context context, ClaimResult.Builder result,
                                    int attempts) {
    int total = c.coupon().getTotal();
    return take(c, context).compose(taken -> {
      if (taken.left() < 0) {
        // A claim of the same user racing this one may have won the last coupon: that is their grant.
        return held(c.id(), userId).map(now2 -> now2.isEmpty() ? result.setReason(ErrorCode.SOLD_OUT).build()
            : granted(result, now2.get(now2.size() - 1)).build());
      }
      grant.put("slot", c.id() + "#" + taken.slot());
      return store.first(grants.insertOne(grant))
          .map(r -> {
            tally.add(c.id(), Tally.Count.CLAIMED, 1);
            return granted(result, grant).setRemaining(taken.left()).build();
          })
          .recover(e -> !lostRace(e)
              ? tally.giveBack(c.id(), taken.slot(), context).transform(v -> Future.failedFuture(
                  new FrameException(ErrorCode.STORE_UNAVAILABLE, "the claim could not be stored; try again")))
              : held(c.id(), userId).compose(now2 -> {
                if (now2.stream().anyMatch(g -> g.getString("_id").equals(grant.getString("_id")))) {
                  // the same user's claim on another node won: its slot stays used, this one is free again
                  return tally.giveBack(c.id(), taken.slot(), context).map(v -> granted(result, now2.get(now2.size() - 1)).build());
                }
                if (attempts <= 1) {
                  return Future.failedFuture(new FrameException(ErrorCode.STORE_UNAVAILABLE, "the claim could not be stored; try again"));
                }
                return grant(c, userId, grant, context, result, attempts - 1);
              }));
    });
  }

  /** One coupon from the cached count, counted again from the grants in MongoDB when the count was lost. */
  private Future<Tally.Taken> take(Campaign c, Context context) {
    int total = c.coupon().getTotal();
    return tally.take(c.id(), total, -1, context).compose(taken -> taken != null ? Future.succeededFuture(taken)
        : granted(c.id()).compose(n -> tally.take(c.id(), total, (int) Math.max(0, total - n), context)));
  }

  /** Grants stored for a campaign (in a slot). */
  private Future<Long> granted(String campaignId) {
    return store.first(grants.countDocuments(Filters.and(Filters.eq("campaign", campaignId), Filters.exists("slot"))));
  }

  /** Coupons left as the admin API shows them: the cached count, or counted from the grants when it was lost. */
  Future<Integer> left(Campaign c, Context context) {
    return tally.left(c.id(), context).compose(left -> left != null ? Future.succeededFuture(left)
        : granted(c.id()).map(n -> (int) Math.max(0, c.coupon().getTotal() - n)));
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
