package io.livedesk.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Named counters bumped from any event loop (answers by kind, error codes, close codes) and read as one sorted map. */
final class Counts {

  private final Map<String, LongAdder> byName = new ConcurrentHashMap<>();

  void inc(String name) {
    add(name, 1);
  }

  void add(String name, long n) {
    byName.computeIfAbsent(name, k -> new LongAdder()).add(n);
  }

  long get(String name) {
    LongAdder a = byName.get(name);
    return a == null ? 0 : a.sum();
  }

  /** Every counter by name, in name order. */
  Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    byName.forEach((name, n) -> out.put(name, n.sum()));
    return out;
  }

  /** Every counter by name, in name order, each set back to zero: the counts of one phase. */
  Map<String, Long> snapshotAndReset() {
    Map<String, Long> out = new TreeMap<>();
    byName.forEach((name, n) -> out.put(name, n.sumThenReset()));
    return out;
  }
}
