package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.backend.KeyValue;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * An ordered index's entries: rows of (key, position), sorted by key in the index's order and
 * then by position in the collection's order, kept column by column in chunks of up to
 * {@link #CHUNK} rows. Not thread-safe: the collection's lock guards it, as it guards the documents.
 *
 * <p>Why not a {@code TreeMap<KeyValue, ...>}, as before: an index holds a row per stored document
 * for as long as the store is open. A TreeMap entry, upstream's KeyValue, its ArrayList and its
 * array were four objects and ~104 bytes per row before the key's values; with three indexes on
 * messages a node at 500 messages/s kept ~640 bytes and 17 objects more per message (class
 * histograms 15 s apart), and every young collection copied them again until they were old
 * enough to tenure: most of what its pauses copied. Here a row is {@code width + 1} references in
 * arrays shared by a chunk's rows, and a key value equal to a neighbouring row's (a message's
 * conversation, its sender) is kept as the neighbour's instance, not once per row.
 */
final class IndexEntries {

  /** Rows per chunk: a search is a binary search over chunks, then within one; an insert moves at most this many references per column. */
  static final int CHUNK = 128;

  private final KeyOrder order;
  private final Comparator<Object> positionOrder;
  private final int width;
  private final int chunkRows;
  private final List<Chunk> chunks = new ArrayList<>();
  private long size;
  /** Changes so far: an iterator walking across a change would skip or repeat rows, so it fails instead. */
  private int changes;

  IndexEntries(KeyOrder order, Comparator<Object> positionOrder) {
    this(order, positionOrder, CHUNK);
  }

  /** {@code chunkRows}: small in tests, so that a few rows exercise splits and merges. */
  IndexEntries(KeyOrder order, Comparator<Object> positionOrder, int chunkRows) {
    this.order = order;
    this.positionOrder = positionOrder;
    this.width = order.width();
    this.chunkRows = chunkRows;
  }

  /** Up to chunkRows rows: the key's fields in the first {@code width} columns, the position in the last. */
  private final class Chunk {
    final Object[][] columns = new Object[width + 1][chunkRows];
    int size;

    Object position(int row) {
      return columns[width][row];
    }
  }

  long size() {
    return size;
  }

  void clear() {
    chunks.clear();
    size = 0;
    changes++;
  }

  /** The position of the first row with this key (for a unique index, the row), or null. */
  Object position(KeyValue key) {
    long at = seek(key, null, false, false);
    Chunk c = chunkAt(at);
    return c != null && order.compare(key, c.columns, row(at)) == 0 ? c.position(row(at)) : null;
  }

  /** Adds the row unless one with this key and position is there already; true when added. */
  boolean add(KeyValue key, Object position) {
    long at = seek(key, position, true, false);
    Chunk c = chunkAt(at);
    if (c != null && compare(key, position, true, c, row(at)) == 0) {
      return false;
    }
    insert(at, key, position);
    return true;
  }

  /** A unique index's add: the row, unless one with this key is there already; true when added. One search, not a lookup and then another. */
  boolean addIfAbsent(KeyValue key, Object position) {
    long at = seek(key, null, false, false);
    Chunk c = chunkAt(at);
    if (c != null && order.compare(key, c.columns, row(at)) == 0) {
      return false;
    }
    insert(at, key, position); // the first row after the key: no row holds it
    return true;
  }

  /** Removes the row with this key and position; true when there was one. */
  boolean remove(KeyValue key, Object position) {
    long at = seek(key, position, true, false);
    Chunk c = chunkAt(at);
    if (c == null || compare(key, position, true, c, row(at)) != 0) {
      return false;
    }
    removeAt(chunk(at), row(at));
    return true;
  }

  /** Removes the first row with this key (for a unique index, the row) and answers its position, or null. */
  Object removeKey(KeyValue key) {
    long at = seek(key, null, false, false);
    Chunk c = chunkAt(at);
    if (c == null || order.compare(key, c.columns, row(at)) != 0) {
      return null;
    }
    Object position = c.position(row(at));
    removeAt(chunk(at), row(at));
    return position;
  }

  /**
   * The positions of the rows whose keys are in the range, in key order or reversed; within one
   * key always in position order (the order {@link OrderedIndex#positions} promises). Lazy: a
   * limit stops the walk.
   */
  Iterator<Object> positions(QueryPlanner.Range r, boolean reverse) {
    if (order.compare(r.low(), r.high()) > 0) {
      return Collections.emptyIterator(); // e.g. $gt 10 with $lt 5
    }
    long from = seek(r.low(), null, false, !r.lowInclusive());
    long to = seek(r.high(), null, false, r.highInclusive());
    return reverse ? new Backward(from, to) : new Forward(from, to);
  }

  /** Every row as (key, position), in order: for upstream's regular-expression lookups on a unique index. */
  Iterable<Map.Entry<KeyValue, Object>> entries() {
    return () -> {
      Iterator<Object[]> rows = new Rows(0, 0, chunks.size(), 0);
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Map.Entry<KeyValue, Object> next() {
          Object[] row = rows.next();
          return new AbstractMap.SimpleImmutableEntry<>(new KeyValue(Arrays.asList(row).subList(0, width)), row[width]);
        }
      };
    };
  }

  // a place between rows: chunk index in the high half, row in the low; (chunks.size(), 0) is the end

  private static long at(int chunk, int row) {
    return ((long) chunk << 32) | row;
  }

  private static int chunk(long at) {
    return (int) (at >>> 32);
  }

  private static int row(long at) {
    return (int) at;
  }

  private Chunk chunkAt(long at) {
    return chunk(at) < chunks.size() ? chunks.get(chunk(at)) : null;
  }

  /** The probe against a row: negative when the probe sorts first. By key alone unless {@code byPosition}. */
  private int compare(KeyValue key, Object position, boolean byPosition, Chunk c, int row) {
    int k = order.compare(key, c.columns, row);
    return k != 0 || !byPosition ? k : positionOrder.compare(position, c.position(row));
  }

  /** The first row at or after the probe ({@code after}: strictly after it). */
  private long seek(KeyValue key, Object position, boolean byPosition, boolean after) {
    int lo = 0;
    int hi = chunks.size();
    while (lo < hi) { // the first chunk whose last row is at or after the probe
      int mid = (lo + hi) >>> 1;
      Chunk c = chunks.get(mid);
      if (reached(compare(key, position, byPosition, c, c.size - 1), after)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    if (lo == chunks.size()) {
      return at(lo, 0);
    }
    Chunk c = chunks.get(lo);
    int first = 0;
    int last = c.size - 1;
    while (first < last) {
      int mid = (first + last) >>> 1;
      if (reached(compare(key, position, byPosition, c, mid), after)) {
        last = mid;
      } else {
        first = mid + 1;
      }
    }
    return at(lo, first);
  }

  private static boolean reached(int probeAgainstRow, boolean after) {
    return after ? probeAgainstRow < 0 : probeAgainstRow <= 0;
  }

  private void insert(long at, KeyValue key, Object position) {
    changes++;
    size++;
    if (chunks.isEmpty()) {
      chunks.add(new Chunk());
    }
    int ci = chunk(at);
    int ri = row(at);
    if (ci == chunks.size()) { // after every row: the end of the last chunk
      ci--;
      ri = chunks.get(ci).size;
    }
    Chunk c = chunks.get(ci);
    if (c.size == chunkRows) {
      Chunk next = new Chunk();
      chunks.add(ci + 1, next);
      if (ri == chunkRows) { // appending in key order (a rebuild, rising keys) fills chunks instead of halving them
        c = next;
        ri = 0;
      } else {
        int half = chunkRows / 2;
        move(c, half, next, 0, chunkRows - half);
        if (ri > half) {
          c = next;
          ri -= half;
        }
      }
    }
    for (Object[] column : c.columns) {
      System.arraycopy(column, ri, column, ri + 1, c.size - ri);
    }
    for (int i = 0; i < width; i++) {
      c.columns[i][ri] = shared(key.get(i), c, i, ri - 1, ri + 1);
    }
    c.columns[width][ri] = position;
    c.size++;
  }

  /** The value, or an equal one a neighbouring row holds already (of the same class, so nothing but the instance changes). */
  private static Object shared(Object value, Chunk c, int column, int before, int after) {
    if (value == null) {
      return null;
    }
    if (before >= 0 && same(c.columns[column][before], value)) {
      return c.columns[column][before];
    }
    return after <= c.size && same(c.columns[column][after], value) ? c.columns[column][after] : value;
  }

  private static boolean same(Object neighbour, Object value) {
    return neighbour != null && neighbour.getClass() == value.getClass() && neighbour.equals(value);
  }

  private void removeAt(int ci, int ri) {
    changes++;
    size--;
    Chunk c = chunks.get(ci);
    for (Object[] column : c.columns) {
      System.arraycopy(column, ri + 1, column, ri, c.size - ri - 1);
      column[c.size - 1] = null;
    }
    c.size--;
    if (c.size == 0) {
      chunks.remove(ci);
    } else if (c.size < chunkRows / 4) {
      // a chunk drained by removals joins a neighbour, so that memory follows the rows
      int limit = chunkRows * 3 / 4;
      if (ci > 0 && chunks.get(ci - 1).size + c.size <= limit) {
        join(ci - 1);
      } else if (ci + 1 < chunks.size() && chunks.get(ci + 1).size + c.size <= limit) {
        join(ci);
      }
    }
  }

  /** Moves the rows of chunk {@code ci + 1} to the end of chunk {@code ci} and drops it. */
  private void join(int ci) {
    Chunk left = chunks.get(ci);
    Chunk right = chunks.get(ci + 1);
    move(right, 0, left, left.size, right.size);
    chunks.remove(ci + 1);
  }

  /** Moves {@code n} rows from {@code from} (starting at {@code src}) to {@code to} (at {@code dst}, past its rows). */
  private void move(Chunk from, int src, Chunk to, int dst, int n) {
    for (int i = 0; i <= width; i++) {
      System.arraycopy(from.columns[i], src, to.columns[i], dst, n);
      Arrays.fill(from.columns[i], src, src + n, null);
    }
    from.size -= n;
    to.size += n;
  }

  /** Rows from one place to another, forwards, as arrays of the key's fields and the position. */
  private final class Rows implements Iterator<Object[]> {
    private int ci;
    private int ri;
    private final int endChunk;
    private final int endRow;
    private final int expected = changes;

    Rows(int ci, int ri, int endChunk, int endRow) {
      this.ci = ci;
      this.ri = ri;
      this.endChunk = endChunk;
      this.endRow = endRow;
      settle();
    }

    private void settle() {
      while (ci < chunks.size() && ri >= chunks.get(ci).size) {
        ci++;
        ri = 0;
      }
    }

    @Override
    public boolean hasNext() {
      return ci < endChunk || (ci == endChunk && ri < endRow);
    }

    @Override
    public Object[] next() {
      if (changes != expected) {
        throw new ConcurrentModificationException();
      }
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Chunk c = chunks.get(ci);
      Object[] row = new Object[width + 1];
      for (int i = 0; i <= width; i++) {
        row[i] = c.columns[i][ri];
      }
      ri++;
      settle();
      return row;
    }
  }

  private final class Forward implements Iterator<Object> {
    private final Rows rows;

    Forward(long from, long to) {
      rows = new Rows(chunk(from), row(from), chunk(to), row(to));
    }

    @Override
    public boolean hasNext() {
      return rows.hasNext();
    }

    @Override
    public Object next() {
      return rows.next()[width];
    }
  }

  /** Keys from last to first; the rows of one key in position order, found by walking back to the key's first row. */
  private final class Backward implements Iterator<Object> {
    private final int startChunk;
    private final int startRow;
    /** The rows still to walk back over end before this place. */
    private int ci;
    private int ri;
    private final int expected = changes;
    private final List<Object> group = new ArrayList<>();
    private int next;

    Backward(long from, long to) {
      startChunk = chunk(from);
      startRow = row(from);
      ci = chunk(to);
      ri = row(to);
    }

    private boolean beyondStart() {
      return ci > startChunk || (ci == startChunk && ri > startRow);
    }

    /** Steps back one row; false at the start of the range. */
    private boolean back() {
      if (!beyondStart()) {
        return false;
      }
      if (ri > 0) {
        ri--;
        return true;
      }
      ci--;
      ri = chunks.get(ci).size - 1;
      return true;
    }

    @Override
    public boolean hasNext() {
      if (changes != expected) {
        throw new ConcurrentModificationException();
      }
      if (next < group.size()) {
        return true;
      }
      group.clear();
      next = 0;
      if (!back()) {
        return false;
      }
      Chunk last = chunks.get(ci);
      int lastRow = ri;
      group.add(last.position(ri));
      while (true) {
        int keepChunk = ci;
        int keepRow = ri;
        if (!back()) {
          break;
        }
        Chunk c = chunks.get(ci);
        if (order.compareRows(c.columns, ri, last.columns, lastRow) != 0) {
          ci = keepChunk; // not this key's: the next group starts here
          ri = keepRow;
          break;
        }
        group.add(c.position(ri));
      }
      Collections.reverse(group);
      return true;
    }

    @Override
    public Object next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return group.get(next++);
    }
  }
}
