package io.livedesk.server.push;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.livedesk.server.cluster.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Map;

/**
 * A campaign's results and its coupons left, one Hazelcast entry per campaign each. The coupons
 * left are a cache of what MongoDB's grants say: an entry that is lost is counted again from them. Nodes add
 * their part of a delivery in one step, so a push to every viewer costs one update per node. The
 * processors below cross the cluster in Hazelcast Compact ({@link TallyFormat}), not in Java
 * serialization: a new one needs its serializer there too.
 */
final class Tally {

  enum Count { TARGETED, DELIVERED, OPENED, CLAIMED, CONVERTED }

  private final IMap<String, long[]> counts;
  private final IMap<String, int[]> remaining;

  Tally(HazelcastInstance hazelcast) {
    this.counts = hazelcast.getMap(Addresses.CAMPAIGN_COUNTS);
    this.remaining = hazelcast.getMap(Addresses.COUPONS_LEFT);
  }

  record Add(long[] delta) implements EntryProcessor<String, long[], Void> {
    @Override
    public Void process(Map.Entry<String, long[]> entry) {
      long[] v = entry.getValue() == null ? new long[Count.values().length] : entry.getValue();
      for (int i = 0; i < v.length; i++) {
        v[i] += delta[i];
      }
      entry.setValue(v);
      return null;
    }
  }

  /**
   * A campaign's coupons left: {@code [left, free slot, free slot, ...]}. A coupon is a numbered
   * slot 1..total (a grant's unique {@code slot} in MongoDB); a slot whose grant could not be
   * stored comes back as free and is handed out before the next new one.
   */
  record Taken(int left, int slot) {
    static final Taken SOLD_OUT = new Taken(-1, 0);
  }

  /**
   * Takes one coupon of {@code total}. A lost entry answers null, unless the caller brings the
   * coupons left as counted from MongoDB's grants ({@code counted} >= 0): then it is set from that
   * count and taken from in the same step, so no other loss can come between.
   */
  record Take(int total, int counted) implements EntryProcessor<String, int[], Taken> {
    @Override
    public Taken process(Map.Entry<String, int[]> entry) {
      int[] v = entry.getValue();
      if (v == null && counted < 0) {
        return null;
      }
      if (v == null) {
        v = new int[] {counted};
      }
      if (v.length > 1) {
        entry.setValue(Arrays.copyOf(v, v.length - 1));
        return new Taken(v[0], v[v.length - 1]);
      }
      if (v[0] <= 0) {
        entry.setValue(v);
        return Taken.SOLD_OUT;
      }
      entry.setValue(new int[] {v[0] - 1});
      return new Taken(v[0] - 1, total - v[0] + 1);
    }
  }

  /** Gives a slot back (its grant could not be stored). Into a lost entry it is not needed: the recount sees no grant there. */
  record GiveBack(int slot) implements EntryProcessor<String, int[], Void> {
    @Override
    public Void process(Map.Entry<String, int[]> entry) {
      int[] v = entry.getValue();
      if (v != null) {
        int[] more = Arrays.copyOf(v, v.length + 1);
        more[v.length] = slot;
        entry.setValue(more);
      }
      return null;
    }
  }

  void add(String campaignId, Count count, long n) {
    if (n > 0) {
      long[] delta = new long[Count.values().length];
      delta[count.ordinal()] = n;
      counts.submitToKey(campaignId, new Add(delta));
    }
  }

  void add(String campaignId, long targeted, long delivered) {
    long[] delta = new long[Count.values().length];
    delta[Count.TARGETED.ordinal()] = targeted;
    delta[Count.DELIVERED.ordinal()] = delivered;
    if (targeted > 0 || delivered > 0) {
      counts.submitToKey(campaignId, new Add(delta));
    }
  }

  /** {@code counted}: the coupons left as counted from the grants, or -1 to learn that the entry was lost (null). */
  Future<Taken> take(String campaignId, int total, int counted, Context context) {
    return Future.fromCompletionStage(remaining.submitToKey(campaignId, new Take(total, counted)), context);
  }

  Future<Void> giveBack(String campaignId, int slot, Context context) {
    return Future.fromCompletionStage(remaining.submitToKey(campaignId, new GiveBack(slot)), context);
  }

  /** The coupons left, or null when the entry was lost. */
  Future<Integer> left(String campaignId, Context context) {
    return Future.fromCompletionStage(remaining.getAsync(campaignId), context).map(v -> v == null ? null : v[0] + v.length - 1);
  }

  /** Loses the coupons-left entry, as a member loss beyond the backups or a whole-cluster restart would. */
  Future<Void> forget(String campaignId, Context context) {
    return Future.fromCompletionStage(remaining.removeAsync(campaignId), context).mapEmpty();
  }

  /** The results as the admin API shows them (the coupons left are {@link Claims#left}'s). */
  Future<JsonObject> results(Campaign c, Context context) {
    return Future.fromCompletionStage(counts.getAsync(c.id()), context).map(found -> {
      long[] values = found == null ? new long[Count.values().length] : found;
      JsonObject out = new JsonObject();
      for (Count count : Count.values()) {
        out.put(count.name().toLowerCase(), values[count.ordinal()]);
      }
      // what rests on the viewer's app's word (pushOpened, an ORDER_PLACED signal), not the server's own
      return out.put("clientReported", new io.vertx.core.json.JsonArray().add("opened").add("converted"));
    });
  }
}
