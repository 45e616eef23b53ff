package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IndexEntries answers what the ordered maps it replaced answered (a TreeMap of keys to TreeSets
 * of positions, in the index's key order): random adds and removes over few distinct values, so
 * that keys repeat, with chunks of 4 or 8 rows, so that a few hundred rows split and join chunks many
 * times; after every change, lookups and every kind of range, forwards and backwards.
 */
class IndexEntriesTest {

  private static final Comparator<Object> POSITION_ORDER = Comparator.comparing(p -> (Integer) p);

  @Test
  void answersWhatAnOrderedMapOfSetsAnswers() {
    long seed = Long.getLong("entries.seed", System.nanoTime());
    Random random = new Random(seed);
    for (List<IndexKey> keys : List.of(List.of(new IndexKey("a", true)), List.of(new IndexKey("a", false)),
        List.of(new IndexKey("a", true), new IndexKey("b", false)),
        List.of(new IndexKey("a", false), new IndexKey("b", true), new IndexKey("c", true)))) {
      KeyOrder order = new KeyOrder(keys);
      int chunkRows = 4 + 4 * random.nextInt(2); // 8 rows: a chunk down to one row joins a neighbour
      IndexEntries entries = new IndexEntries(order, POSITION_ORDER, chunkRows);
      TreeMap<KeyValue, TreeSet<Object>> expected = new TreeMap<>(order);
      for (int step = 0; step < 3_000; step++) {
        KeyValue key = randomKey(random, keys.size());
        Integer position = random.nextInt(40);
        boolean had = expected.containsKey(key) && expected.get(key).contains(position);
        String context = "seed " + seed + ", keys " + keys + ", chunk " + chunkRows + ", step " + step + ", key " + key + ", position " + position;
        if (random.nextInt(3) > 0) {
          assertEquals(!had, entries.add(key, position), context);
          expected.computeIfAbsent(key, k -> new TreeSet<>(POSITION_ORDER)).add(position);
        } else {
          assertEquals(had, entries.remove(key, position), context);
          remove(expected, key, position);
        }
        assertEquals(expected.values().stream().mapToInt(TreeSet::size).sum(), entries.size(), context);
        KeyValue probe = randomKey(random, keys.size());
        assertEquals(expected.containsKey(probe) ? expected.get(probe).first() : null, entries.position(probe), context);
        for (int r = 0; r < 3; r++) {
          QueryPlanner.Range range = randomRange(random, keys.size());
          for (boolean reverse : new boolean[] {false, true}) {
            assertEquals(slice(expected, order, range, reverse), list(entries.positions(range, reverse)),
                context + ", range " + range + ", reverse " + reverse);
          }
        }
      }
      List<String> rows = new ArrayList<>();
      entries.entries().forEach(e -> rows.add(e.getKey() + "=" + e.getValue()));
      List<String> expectedRows = new ArrayList<>();
      expected.forEach((k, positions) -> positions.forEach(p -> expectedRows.add(k + "=" + p)));
      assertEquals(expectedRows, rows, "seed " + seed);
    }
  }

  @Test
  void aUniqueKeysRowIsRemovedByItsKey() {
    IndexEntries entries = new IndexEntries(new KeyOrder(List.of(new IndexKey("a", true))), POSITION_ORDER, 4);
    for (int i = 19; i >= 0; i--) {
      assertTrue(entries.addIfAbsent(new KeyValue("k" + i), i));
    }
    assertFalse(entries.addIfAbsent(new KeyValue("k7"), 99), "a second row with a key");
    assertEquals(7, entries.removeKey(new KeyValue("k7")));
    assertEquals(null, entries.removeKey(new KeyValue("k7")));
    assertEquals(null, entries.position(new KeyValue("k7")));
    assertEquals(8, entries.position(new KeyValue("k8")));
    assertEquals(19, entries.size());
    List<Object> all = new ArrayList<>();
    entries.entries().forEach(e -> all.add(e.getValue()));
    assertEquals(List.of(0, 1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 2, 3, 4, 5, 6, 8, 9), all, "in key order");
  }

  @Test
  void aValueEqualToItsNeighboursIsKeptOnce() {
    IndexEntries entries = new IndexEntries(new KeyOrder(List.of(new IndexKey("c", true), new IndexKey("seq", true))), POSITION_ORDER);
    entries.add(new KeyValue(new String("conversation-1"), 1.0), 1);
    String second = new String("conversation-1");
    entries.add(new KeyValue(second, 2.0), 2);
    String other = new String("conversation-2");
    entries.add(new KeyValue(other, 1.0), 3);
    Iterator<Map.Entry<KeyValue, Object>> rows = entries.entries().iterator();
    Object first = rows.next().getKey().get(0);
    assertSame(first, rows.next().getKey().get(0));
    assertNotSame(second, first);
    assertSame(other, rows.next().getKey().get(0));
  }

  @Test
  void aWalkAcrossAChangeFails() {
    IndexEntries entries = new IndexEntries(new KeyOrder(List.of(new IndexKey("a", true))), POSITION_ORDER);
    entries.add(new KeyValue("a"), 1);
    entries.add(new KeyValue("b"), 2);
    QueryPlanner.Range all = new QueryPlanner.Range(KeyOrder.key(List.of(KeyOrder.FIRST)), true, KeyOrder.key(List.of(KeyOrder.LAST)), true);
    Iterator<Object> walk = entries.positions(all, false);
    walk.next();
    entries.add(new KeyValue("c"), 3);
    assertThrows(ConcurrentModificationException.class, walk::next);
  }

  private static KeyValue randomKey(Random random, int width) {
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      int v = random.nextInt(width == 1 ? 30 : 5);
      values.add(v == 0 ? null : random.nextBoolean() ? (Object) ("s" + v) : (Object) (double) v);
    }
    return KeyOrder.key(values);
  }

  /** A range as QueryPlanner makes them: an equality prefix, then bounds or sentinels. */
  private static QueryPlanner.Range randomRange(Random random, int width) {
    int prefix = random.nextInt(width + 1);
    KeyValue a = randomKey(random, width);
    KeyValue b = randomKey(random, width);
    List<Object> low = new ArrayList<>();
    List<Object> high = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      if (i < prefix) {
        low.add(a.get(i));
        high.add(a.get(i));
      } else if (i == prefix && random.nextBoolean()) {
        low.add(a.get(i));
        high.add(b.get(i));
      } else {
        low.add(KeyOrder.FIRST);
        high.add(KeyOrder.LAST);
      }
    }
    return new QueryPlanner.Range(KeyOrder.key(low), random.nextBoolean(), KeyOrder.key(high), random.nextBoolean());
  }

  private static List<Object> slice(TreeMap<KeyValue, TreeSet<Object>> map, KeyOrder order, QueryPlanner.Range r, boolean reverse) {
    if (order.compare(r.low(), r.high()) > 0) {
      return List.of();
    }
    NavigableMap<KeyValue, TreeSet<Object>> range = map.subMap(r.low(), r.lowInclusive(), r.high(), r.highInclusive());
    List<Object> out = new ArrayList<>();
    (reverse ? range.descendingMap() : range).values().forEach(out::addAll);
    return out;
  }

  private static void remove(TreeMap<KeyValue, TreeSet<Object>> map, KeyValue key, Object position) {
    TreeSet<Object> positions = map.get(key);
    if (positions != null && positions.remove(position) && positions.isEmpty()) {
      map.remove(key);
    }
  }

  private static List<Object> list(Iterator<Object> it) {
    List<Object> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
