package io.livedesk.server.push;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.livedesk.server.cluster.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * A campaign's results and its coupons left, one Hazelcast entry per campaign each. Nodes add
 * their part of a delivery in one step, so a push to every viewer costs one update per node.
 */
final class Tally {

  enum Count { TARGETED, DELIVERED, OPENED, CLAIMED, CONVERTED }

  private final IMap<String, long[]> counts;
  private final IMap<String, Integer> remaining;

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

  /** Takes one coupon of {@code total}: the coupons left after it, or -1 when none was left. */
  record Take(int total) implements EntryProcessor<String, Integer, Integer> {
    @Override
    public Integer process(Map.Entry<String, Integer> entry) {
      int left = entry.getValue() == null ? total : entry.getValue();
      if (left <= 0) {
        return -1;
      }
      entry.setValue(left - 1);
      return left - 1;
    }
  }

  /** Gives a coupon back (a claim that could not be stored). */
  record GiveBack(int total) implements EntryProcessor<String, Integer, Integer> {
    @Override
    public Integer process(Map.Entry<String, Integer> entry) {
      int left = entry.getValue() == null ? total : Math.min(total, entry.getValue() + 1);
      entry.setValue(left);
      return left;
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

  Future<Integer> take(String campaignId, int total, Context context) {
    return Future.fromCompletionStage(remaining.submitToKey(campaignId, new Take(total)), context);
  }

  Future<Integer> giveBack(String campaignId, int total, Context context) {
    return Future.fromCompletionStage(remaining.submitToKey(campaignId, new GiveBack(total)), context);
  }

  /** The results as the admin API shows them. */
  Future<JsonObject> results(Campaign c, Context context) {
    Future<long[]> n = Future.fromCompletionStage(counts.getAsync(c.id()), context);
    Future<Integer> left = c.isCoupon() ? Future.fromCompletionStage(remaining.getAsync(c.id()), context)
        : Future.succeededFuture();
    return Future.all(n, left).map(v -> {
      long[] values = n.result() == null ? new long[Count.values().length] : n.result();
      JsonObject out = new JsonObject();
      for (Count count : Count.values()) {
        out.put(count.name().toLowerCase(), values[count.ordinal()]);
      }
      if (c.isCoupon()) {
        out.put("remaining", left.result() == null ? c.coupon().getTotal() : left.result());
      }
      return out;
    });
  }
}
