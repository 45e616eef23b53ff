package io.livedesk.server.push;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.server.store.Store;
import io.vertx.core.Future;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Campaigns in MongoDB ({@code campaigns}), with a node-local cache for claims. Moving a campaign
 * from scheduled to sending is a conditional update, so exactly one node of the cluster sends it.
 */
final class CampaignStore {

  static final String COLLECTION = "campaigns";

  private final Store store;
  private final MongoCollection<Document> campaigns;
  private final Map<String, Campaign> cache = new ConcurrentHashMap<>();

  CampaignStore(Store store) {
    this.store = store;
    this.campaigns = store.collection(COLLECTION);
  }

  /**
   * How long a campaign is left to the node that should be sending it before the scheduler takes
   * it over, in case that node died: a campaign due at once is sent by the node that created it,
   * right after the insert, and a campaign being sent should be sent within this time. (Without
   * the wait, a scheduler round between the insert and the send took a campaign for now, and the
   * creating request answered "scheduled" for a campaign already going out.)
   */
  static final long ORPHAN_AFTER_MS = 10_000;

  Future<Campaign> insert(Campaign c) {
    long sweepAt = c.at() > c.createdAt() ? c.at() : c.createdAt() + ORPHAN_AFTER_MS;
    return store.first(campaigns.insertOne(c.toDocument().append("sweepAt", sweepAt))).map(c);
  }

  /** Creates or replaces a campaign the server owns (the behaviour rules' own campaigns). */
  Future<Campaign> upsert(Campaign c) {
    cache.remove(c.id());
    return store.first(campaigns.replaceOne(Filters.eq("_id", c.id()), c.toDocument(), new ReplaceOptions().upsert(true))).map(c);
  }

  /** A campaign by id, from the cache when this node has read it before; null when there is none. */
  Future<Campaign> get(String id) {
    Campaign cached = cache.get(id);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return store.first(campaigns.find(Filters.eq("_id", id))).map(d -> {
      if (d == null) {
        return null;
      }
      Campaign c = Campaign.fromDocument(d);
      cache.put(id, c);
      return c;
    });
  }

  /** Forgets a cached campaign whose state changed on some node. */
  void evict(String id) {
    cache.remove(id);
  }

  Future<List<Campaign>> list(int limit) {
    return store.all(campaigns.find().sort(Sorts.descending("createdAt")).limit(limit))
        .map(docs -> docs.stream().map(Campaign::fromDocument).toList());
  }

  /**
   * Campaigns the scheduler should send now: scheduled ones that are due, and ones whose sending
   * node did not finish in time (see {@link #ORPHAN_AFTER_MS}).
   */
  Future<List<Campaign>> due(long now) {
    Bson unsent = Filters.and(Filters.in("state", Campaign.State.SCHEDULED.name(), Campaign.State.SENDING.name()),
        Filters.lte("sweepAt", now));
    Bson storedBeforeSweepAt = Filters.and(Filters.eq("state", Campaign.State.SCHEDULED.name()),
        Filters.exists("sweepAt", false), Filters.lte("at", now));
    return store.all(campaigns.find(Filters.or(unsent, storedBeforeSweepAt)).limit(20))
        .map(docs -> docs.stream().map(Campaign::fromDocument).toList());
  }

  /**
   * Makes the campaign this node's to send: a scheduled one, or one whose sending node did not
   * finish in time. False when it is not (sent, cancelled, or another node is sending it).
   */
  Future<Boolean> startSending(String id, long now) {
    Bson mine = Filters.or(Filters.eq("state", Campaign.State.SCHEDULED.name()),
        Filters.and(Filters.eq("state", Campaign.State.SENDING.name()), Filters.lte("sweepAt", now)));
    return store.first(campaigns.updateOne(Filters.and(Filters.eq("_id", id), mine),
            Updates.combine(Updates.set("state", Campaign.State.SENDING.name()), Updates.set("sweepAt", now + ORPHAN_AFTER_MS))))
        .map(r -> {
          evict(id);
          return r.getModifiedCount() == 1;
        });
  }

  /** Moves the campaign from one state to another; false when another node (or a cancel) got there first. */
  Future<Boolean> move(String id, Campaign.State from, Campaign.State to) {
    return store.first(campaigns.updateOne(Filters.and(Filters.eq("_id", id), Filters.eq("state", from.name())),
            Updates.set("state", to.name())))
        .map(r -> {
          evict(id);
          return r.getModifiedCount() == 1;
        });
  }

  /** Cancels unless already cancelled; stops a scheduled send and further claims. */
  Future<Boolean> cancel(String id) {
    return store.first(campaigns.updateOne(Filters.and(Filters.eq("_id", id),
            Filters.ne("state", Campaign.State.CANCELLED.name())), Updates.set("state", Campaign.State.CANCELLED.name())))
        .map(r -> {
          evict(id);
          return r.getModifiedCount() == 1;
        });
  }
}
