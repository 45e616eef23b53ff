package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An index's field names, taken once, and the index key of a document whose indexed fields are
 * top-level scalars, computed without mongo-java-server's general path. Its {@code Index.keys()}
 * streams the keys into a new list on every call, and {@code getKeyValues} splits every field's
 * path with a regular expression into a stream: with an insert and an update per message, each
 * checking and maintaining every index of the collection, that was a fifth of a node's allocation
 * at 500 messages/s. Anything else (a dotted path, an array or a subdocument in a field) answers
 * null here and goes the general way, which also handles multikey indexes and parallel arrays.
 */
final class IndexFields {

  private final List<String> names;
  private final boolean topLevel;

  IndexFields(List<IndexKey> keys) {
    this.names = keys.stream().map(IndexKey::getKey).toList();
    this.topLevel = names.stream().noneMatch(name -> name.contains("."));
  }

  List<String> names() {
    return names;
  }

  /** The document's one key, as mongo-java-server's {@code Index.getKeyValues} computes it; null when only that general path can. */
  Set<KeyValue> keyOf(Document document) {
    if (!topLevel) {
      return null;
    }
    Object[] values = new Object[names.size()];
    for (int i = 0; i < values.length; i++) {
      Object value = document.get(names.get(i));
      if (value instanceof Collection || value instanceof Map) {
        return null;
      }
      values[i] = normalized(value);
    }
    return Set.of(new KeyValue(values));
  }

  /**
   * Whether an update leaves the document's key as it was (the index then has nothing to do), or
   * null when only the general path can tell. The quick keys are normalized already, so plain
   * equality is upstream's null-aware comparison of normalized keys.
   */
  Boolean sameKey(Document before, Document after) {
    Set<KeyValue> a = keyOf(before);
    Set<KeyValue> b = a == null ? null : keyOf(after);
    return b == null ? null : a.equals(b);
  }

  /** Whether a field holds an array: the index is then multikey, and no plan may treat its keys as one per document. */
  boolean holdsArray(Document document) {
    for (String name : names) {
      Object value = topLevel ? document.get(name) : Utils.getSubdocumentValueCollectionAware(document, name);
      if (value instanceof Collection) {
        return true;
      }
    }
    return false;
  }

  /** mongo-java-server's {@code Utils.normalizeValue} for a scalar: numbers compare as doubles unless a double would lose the long. */
  private static Object normalized(Object value) {
    if (value == null || value instanceof Missing) {
      return null;
    }
    if (value instanceof Long l && l != (long) l.doubleValue()) {
      return value;
    }
    if (value instanceof Number n) {
      double d = n.doubleValue();
      return d == -0.0 ? 0.0 : d;
    }
    return value;
  }
}
