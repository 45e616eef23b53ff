package io.livedesk.server.routing;

import io.livedesk.server.metrics.Metrics;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * SLA outcomes and first response times per tier, as seen by this node, exported as metrics
 * and summarised in the supervisors' view. Outcomes are decided by the active dispatcher.
 */
public final class SlaCounts {

  private static final int RECENT = 1000;

  private final Metrics metrics;
  private final Metrics.Counter outcomes;
  private final Metrics.Histogram firstResponse;
  private final Map<String, AtomicLong> met = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> breached = new ConcurrentHashMap<>();
  private final Map<String, Deque<Long>> recent = new ConcurrentHashMap<>();
  private final Set<String> gauged = ConcurrentHashMap.newKeySet();

  public SlaCounts(Metrics metrics) {
    this.metrics = metrics;
    this.outcomes = metrics.counter("livedesk_sla_total", "first-response SLA outcomes, by tier and outcome");
    this.firstResponse = metrics.histogram("livedesk_first_response_seconds",
        "time from queuing to the first human response, by tier", 1, 2, 5, 10, 20, 30, 60, 120, 300);
  }

  public void met(String tier) {
    count(met, tier).incrementAndGet();
    outcomes.inc(label(tier) + ",outcome=\"met\"");
  }

  public void breached(String tier) {
    count(breached, tier).incrementAndGet();
    outcomes.inc(label(tier) + ",outcome=\"breached\"");
  }

  public void firstResponse(String tier, long ms) {
    firstResponse.observe(label(tier), ms / 1000.0);
    Deque<Long> r = recent.computeIfAbsent(tier, t -> new ArrayDeque<>());
    synchronized (r) {
      r.addLast(ms);
      if (r.size() > RECENT) {
        r.removeFirst();
      }
    }
  }

  public long metCount(String tier) {
    AtomicLong n = met.get(tier);
    return n == null ? 0 : n.get();
  }

  public long breachedCount(String tier) {
    AtomicLong n = breached.get(tier);
    return n == null ? 0 : n.get();
  }

  /** met / (met + breached); 1 when nothing has been decided. */
  public double attainment(String tier) {
    long m = metCount(tier);
    long b = breachedCount(tier);
    return m + b == 0 ? 1.0 : (double) m / (m + b);
  }

  public double firstResponseP50(String tier) {
    Deque<Long> r = recent.get(tier);
    if (r == null) {
      return 0;
    }
    List<Long> sorted;
    synchronized (r) {
      sorted = new ArrayList<>(r);
    }
    if (sorted.isEmpty()) {
      return 0;
    }
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  public Set<String> tiers() {
    Set<String> all = new java.util.TreeSet<>(met.keySet());
    all.addAll(breached.keySet());
    return all;
  }

  private AtomicLong count(Map<String, AtomicLong> map, String tier) {
    if (gauged.add(tier)) {
      metrics.gauge("livedesk_sla_attainment", "share of conversations that reached an agent within their tier's deadline",
          label(tier), () -> attainment(tier));
    }
    return map.computeIfAbsent(tier, t -> new AtomicLong());
  }

  private static String label(String tier) {
    return "tier=\"" + tier + "\"";
  }
}
