package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Chooses how a query reaches its documents: by _id, by a range of an ordered index, or (null) by
 * the collection scan it had before. A plan only narrows the candidates: every candidate is still
 * matched against the whole query, so a plan needs only conditions that every match satisfies,
 * the query's top-level conditions and those of a top-level $and.
 *
 * <p>An index is usable with equality on a prefix of its fields (or $in on its first), optionally
 * followed by a range ($gt, $gte, $lt, $lte) on the next field; it gives the sort too when the
 * sort names exactly its remaining fields, in its direction or all reversed, so a sort with a
 * limit reads only as many entries as it returns.
 */
final class QueryPlanner {

  /** Candidates by _id. */
  record IdPlan(List<Object> ids) {
  }

  /**
   * Candidates from {@code index}'s key ranges, in index order ({@code ordered}: that order is
   * the sort asked for, reversed when {@code reverse}).
   */
  record IndexPlan(OrderedIndex index, List<Range> ranges, boolean ordered, boolean reverse) {
  }

  /** Keys from low to high in index order, each bound inclusive or not. */
  record Range(KeyValue low, boolean lowInclusive, KeyValue high, boolean highInclusive) {
  }

  private QueryPlanner() {
  }

  /** An {@link IdPlan}, an {@link IndexPlan}, or null for a scan. */
  static Object plan(Document query, Document orderBy, String idField, List<? extends OrderedIndex> indexes) {
    if (query == null || (orderBy != null && orderBy.containsKey("$natural"))) {
      return null;
    }
    Map<String, Conditions> conditions = new LinkedHashMap<>();
    collect(query, conditions);
    if (conditions.isEmpty()) {
      return null;
    }
    Conditions id = conditions.get(idField);
    if (id != null && id.eq != null) {
      return new IdPlan(List.of(id.eq));
    }
    if (id != null && id.in != null) {
      return new IdPlan(id.in);
    }
    IndexPlan best = null;
    int bestScore = 0;
    for (OrderedIndex index : indexes) {
      if (!index.plannable()) {
        continue;
      }
      IndexPlan plan = planFor(index, conditions, orderBy);
      if (plan == null) {
        continue;
      }
      int score = score(index, conditions);
      // more equality first, then a range, then an index that also gives the sort, then the narrower index
      if (best == null || score > bestScore
          || (score == bestScore && plan.ordered() && !best.ordered())
          || (score == bestScore && plan.ordered() == best.ordered() && index.getKeys().size() < best.index().getKeys().size())) {
        best = plan;
        bestScore = score;
      }
    }
    return best;
  }

  private static int score(OrderedIndex index, Map<String, Conditions> conditions) {
    int score = 0;
    for (IndexKey key : index.getKeys()) {
      Conditions c = conditions.get(key.getKey());
      if (c != null && (c.eq != null || (score == 0 && c.in != null))) {
        score += 2;
      } else {
        if (c != null && c.hasRange()) {
          score += 1;
        }
        break;
      }
    }
    return score;
  }

  private static IndexPlan planFor(OrderedIndex index, Map<String, Conditions> conditions, Document orderBy) {
    List<IndexKey> keys = index.getKeys();
    int n = keys.size();
    List<List<Object>> prefixes = new ArrayList<>();
    prefixes.add(new ArrayList<>());
    int k = 0;
    for (; k < n; k++) {
      Conditions c = conditions.get(keys.get(k).getKey());
      if (c != null && c.eq != null) {
        prefixes.forEach(p -> p.add(KeyOrder.normalize(c.eq)));
      } else if (c != null && k == 0 && c.in != null) {
        KeyOrder first = new KeyOrder(keys.subList(0, 1));
        TreeSet<KeyValue> values = new TreeSet<>(first);
        c.in.forEach(v -> values.add(new KeyValue(KeyOrder.normalize(v))));
        prefixes.clear();
        for (KeyValue v : values) {
          prefixes.add(new ArrayList<>(List.of(v.get(0))));
        }
      } else {
        break;
      }
    }
    Conditions range = k < n ? conditions.get(keys.get(k).getKey()) : null;
    boolean hasRange = range != null && range.hasRange();
    if (k == 0 && !hasRange) {
      return null;
    }
    List<Range> ranges = new ArrayList<>();
    for (List<Object> prefix : prefixes) {
      List<Object> low = new ArrayList<>(prefix);
      List<Object> high = new ArrayList<>(prefix);
      boolean lowStrict = false;
      boolean highStrict = false;
      if (hasRange) {
        boolean ascending = keys.get(k).isAscending();
        // in index order: an ascending field starts at its lower bound, a descending one at its upper
        Object from = ascending ? range.lower : range.upper;
        Object to = ascending ? range.upper : range.lower;
        lowStrict = ascending ? range.lowerStrict : range.upperStrict;
        highStrict = ascending ? range.upperStrict : range.lowerStrict;
        low.add(from != null ? KeyOrder.normalize(from) : KeyOrder.FIRST);
        high.add(to != null ? KeyOrder.normalize(to) : KeyOrder.LAST);
        lowStrict &= from != null;
        highStrict &= to != null;
      }
      // the remaining fields: any value, except past a strict bound's value, which the padding steps over
      while (low.size() < n) {
        low.add(lowStrict ? KeyOrder.LAST : KeyOrder.FIRST);
        high.add(highStrict ? KeyOrder.FIRST : KeyOrder.LAST);
      }
      ranges.add(new Range(KeyOrder.key(low), !lowStrict, KeyOrder.key(high), !highStrict));
    }
    // the index gives the sort when it names exactly the fields after the equality prefix, all in the index's direction or all reversed
    boolean ordered = false;
    boolean reverse = false;
    if (orderBy != null && !orderBy.isEmpty() && prefixes.size() == 1 && orderBy.size() == n - k) {
      int same = 0;
      int opposite = 0;
      int i = k;
      for (Map.Entry<String, Object> sort : orderBy.entrySet()) {
        IndexKey key = keys.get(i++);
        if (!sort.getKey().equals(key.getKey()) || !(sort.getValue() instanceof Number direction)) {
          same = opposite = -1;
          break;
        }
        if ((direction.intValue() > 0) == key.isAscending()) {
          same++;
        } else {
          opposite++;
        }
      }
      if (same == n - k) {
        ordered = true;
      } else if (opposite == n - k) {
        ordered = true;
        reverse = true;
      }
    }
    return new IndexPlan(index, ranges, ordered, reverse);
  }

  /** The conditions every match satisfies: top-level fields and those of top-level $and, recursively. */
  private static void collect(Document query, Map<String, Conditions> conditions) {
    for (Map.Entry<String, Object> entry : query.entrySet()) {
      String field = entry.getKey();
      Object value = entry.getValue();
      if (field.equals("$and") && value instanceof Collection<?> all) {
        for (Object part : all) {
          if (part instanceof Document d) {
            collect(d, conditions);
          }
        }
      } else if (!field.startsWith("$")) {
        if (value instanceof Document operators) {
          if (!operators.isEmpty() && operators.keySet().stream().allMatch(op -> op.startsWith("$"))) {
            operators.forEach((op, operand) -> conditions.computeIfAbsent(field, f -> new Conditions()).add(op, operand));
          }
        } else if (KeyOrder.isPlannable(value)) {
          conditions.computeIfAbsent(field, f -> new Conditions()).add("$eq", value);
        }
      }
    }
  }

  /** What the query says of one field, as far as a plan can use it. */
  private static final class Conditions {
    Object eq;
    List<Object> in;
    Object lower;
    Object upper;
    boolean lowerStrict;
    boolean upperStrict;

    void add(String op, Object operand) {
      switch (op) {
        case "$eq" -> {
          if (KeyOrder.isPlannable(operand) && eq == null) {
            eq = operand;
          }
        }
        case "$in" -> {
          if (operand instanceof Collection<?> values && !values.isEmpty() && in == null
              && values.stream().allMatch(KeyOrder::isPlannable)) {
            in = new ArrayList<>(values);
          }
        }
        case "$gt", "$gte" -> {
          if (KeyOrder.isPlannable(operand) && lower == null) {
            lower = operand;
            lowerStrict = op.equals("$gt");
          }
        }
        case "$lt", "$lte" -> {
          if (KeyOrder.isPlannable(operand) && upper == null) {
            upper = operand;
            upperStrict = op.equals("$lt");
          }
        }
        default -> {
          // other operators only filter
        }
      }
    }

    boolean hasRange() {
      return lower != null || upper != null;
    }
  }
}
