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
    return entries.position(keyValue) == null && entries.add(keyValue, position);
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
