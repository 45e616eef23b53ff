package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.bson.ObjectId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * The order of an index's keys: field by field, MongoDB's value order (mongo-java-server's
 * {@link ValueComparator}), reversed for a descending field. Two sentinels bound ranges: FIRST
 * sorts before and LAST after every value whatever the field's direction, so a range over an
 * equality prefix is [prefix + FIRST..., prefix + LAST...].
 */
final class KeyOrder implements Comparator<KeyValue> {

  /** Before every value. */
  static final Object FIRST = new Sentinel("FIRST");
  /** After every value. */
  static final Object LAST = new Sentinel("LAST");

  private final boolean[] ascending;

  KeyOrder(List<IndexKey> keys) {
    ascending = new boolean[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      ascending[i] = keys.get(i).isAscending();
    }
  }

  @Override
  public int compare(KeyValue a, KeyValue b) {
    for (int i = 0; i < ascending.length; i++) {
      int c = compareValue(a.get(i), b.get(i), ascending[i]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /** A key against the key of row {@code row} of an index's columns ({@link IndexEntries}): the first columns are the fields. */
  int compare(KeyValue key, Object[][] columns, int row) {
    for (int i = 0; i < ascending.length; i++) {
      int c = compareValue(key.get(i), columns[i][row], ascending[i]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /** The key of one row against another's. */
  int compareRows(Object[][] a, int rowA, Object[][] b, int rowB) {
    for (int i = 0; i < ascending.length; i++) {
      int c = compareValue(a[i][rowA], b[i][rowB], ascending[i]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  int width() {
    return ascending.length;
  }

  private static int compareValue(Object a, Object b, boolean ascending) {
    if (a == b) {
      return 0;
    }
    if (a == FIRST || b == LAST) {
      return -1;
    }
    if (a == LAST || b == FIRST) {
      return 1;
    }
    int c;
    // fast paths for the common key types, with ValueComparator's own results: its type-order
    // lookup dominated a profile of index rebuilds
    if (a instanceof String x && b instanceof String y) {
      c = x.compareTo(y);
    } else if (a instanceof Double x && b instanceof Double y && exactAsDouble(x) && exactAsDouble(y)) {
      c = Double.compare(x, y);
    } else {
      c = ValueComparator.asc().compare(a, b);
    }
    return ascending ? c : -c;
  }

  /** Where ValueComparator compares two doubles as doubles: in int range, or integral (it compares those as longs, the same order). */
  private static boolean exactAsDouble(double d) {
    return Math.abs(d) < Integer.MAX_VALUE || d == Math.rint(d);
  }

  /** The value as index keys hold it (mongo-java-server's Utils.normalizeValue, which is not public), for the scalars a plan uses. */
  static Object normalize(Object value) {
    if (Missing.isNullOrMissing(value)) {
      return null;
    }
    if (value instanceof Long l && (double) l != l) {
      return value;
    }
    if (value instanceof Number n) {
      double d = n.doubleValue();
      return d == -0.0 ? 0.0 : d;
    }
    return value;
  }

  /** Whether a query value can bound an index range: a plain scalar (no null, NaN, regex, document or array). */
  static boolean isPlannable(Object value) {
    if (value instanceof Integer || value instanceof Long) {
      return true;
    }
    if (value instanceof Double d) {
      return !d.isNaN();
    }
    return value instanceof String || value instanceof Boolean || value instanceof Instant
        || value instanceof ObjectId || value instanceof UUID;
  }

  static KeyValue key(List<Object> values) {
    return new KeyValue(new ArrayList<>(values));
  }

  private record Sentinel(String name) {
  }
}
