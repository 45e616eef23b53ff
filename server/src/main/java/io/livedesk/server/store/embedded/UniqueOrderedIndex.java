package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.AbstractUniqueIndex;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;

import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A unique index other than _id's: mongo-java-server's uniqueness rules (AbstractUniqueIndex),
 * kept in {@link IndexEntries} so a plan can walk a prefix or a range of it (its H2 unique index is a
 * hash-ordered map, useful only for exact matches on every field). In memory and rebuilt when the
 * store opens, like {@link SecondaryIndex}.
 */
final class UniqueOrderedIndex extends AbstractUniqueIndex<Object> implements OrderedIndex {

  private final IndexFields fields;
  private final IndexEntries entries;
  private boolean multikey;

  UniqueOrderedIndex(String name, List<IndexKey> keys, boolean sparse, Comparator<Object> positionOrder) {
    super(name, keys, sparse);
    this.fields = new IndexFields(keys);
    this.entries = new IndexEntries(new KeyOrder(keys), positionOrder);
  }

  @Override
  public boolean plannable() {
    return !multikey && !isSparse();
  }

  @Override
  public Iterator<Object> positions(QueryPlanner.Range r, boolean reverse) {
    return entries.positions(r, reverse);
  }

  @Override
  public synchronized void add(Document document, Object position, MongoCollection<Object> collection) {
    if (fields.holdsArray(document)) {
      multikey = true;
    }
    super.add(document, position, collection);
  }

  /**
   * Upstream checks with {@code getKeyValues(document, false)}, which no subclass can replace: the
   * general path (a regex split of each field's path, streams) for every unique index on every
   * insert, twice (its add checks again), and most of a store's open. The quick key decides here;
   * a clash is handed to upstream's check, which words the duplicate-key error as it always did.
   */
  @Override
  public synchronized void checkAdd(Document document, MongoCollection<Object> collection) {
    Set<KeyValue> key = isSparse() ? null : fields.keyOf(document);
    if (key == null || key.stream().anyMatch(k -> entries.position(k) != null)) {
      super.checkAdd(document, collection);
    }
  }

  @Override
  public synchronized void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<Object> collection) {
    Set<KeyValue> before = isSparse() ? null : fields.keyOf(oldDocument);
    Set<KeyValue> after = before == null ? null : fields.keyOf(newDocument);
    if (after == null) {
      super.checkUpdate(oldDocument, newDocument, collection);
      return;
    }
    if (before.equals(after)) {
      return;
    }
    Object own = entries.position(before.iterator().next());
    Object holder = entries.position(after.iterator().next());
    if (holder != null && !holder.equals(own)) {
      super.checkUpdate(oldDocument, newDocument, collection);
    }
  }

  @Override
  public synchronized void restore(Document document, Object position, MongoCollection<Object> collection) {
    if (isSparse()) {
      add(document, position, collection); // upstream's rule for a document without the fields
      return;
    }
    if (fields.holdsArray(document)) {
      multikey = true;
    }
    for (KeyValue key : getKeyValues(document)) {
      entries.add(key, position);
    }
  }

  @Override
  protected List<String> keys() {
    return fields.names();
  }

  @Override
  public Set<KeyValue> getKeyValues(Document document) {
    Set<KeyValue> key = fields.keyOf(document);
    return key != null ? key : super.getKeyValues(document);
  }

  @Override
  protected boolean nullAwareEqualsKeys(Document oldDocument, Document newDocument) {
    Boolean same = fields.sameKey(oldDocument, newDocument);
    return same != null ? same : super.nullAwareEqualsKeys(oldDocument, newDocument);
  }

  @Override
  protected Object removeDocument(KeyValue keyValue) {
    return entries.removeKey(keyValue);
  }

  @Override
  protected boolean putKeyPosition(KeyValue keyValue, Object position) {
    return entries.addIfAbsent(keyValue, position);
  }

  @Override
  protected Iterable<Map.Entry<KeyValue, Object>> getIterable() {
    return entries.entries();
  }

  @Override
  protected Object getPosition(KeyValue keyValue) {
    return entries.position(keyValue);
  }

  @Override
  public long getCount() {
    return entries.size();
  }

  @Override
  public long getDataSize() {
    return entries.size();
  }

  @Override
  public void drop() {
    super.drop();
    entries.clear();
  }
}
