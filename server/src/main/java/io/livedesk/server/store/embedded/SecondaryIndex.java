package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;

import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A non-unique ordered index (single or compound, each field ascending or descending), where
 * mongo-java-server 1.47.0 had none (it ignored every non-unique index with a warning). Kept in
 * memory, rebuilt from the collection's documents when the store opens (mongo-java-server fills
 * an empty index as it adds it to the collection), so it cannot disagree with the data after a
 * crash. Accessed under the collection's lock, as every collection method that reaches it holds it.
 */
final class SecondaryIndex extends Index<Object> implements OrderedIndex {

  private final IndexFields fields;
  private final String idField;
  private final IndexEntries entries;
  private boolean multikey;

  SecondaryIndex(String name, List<IndexKey> keys, boolean sparse, String idField, Comparator<Object> positionOrder) {
    super(name, keys, sparse);
    this.fields = new IndexFields(keys);
    this.idField = idField;
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

  private boolean skips(Document document) {
    return isSparse() && keys().stream().allMatch(key -> Utils.getSubdocumentValueCollectionAware(document, key) instanceof Missing);
  }

  private Set<KeyValue> keysOf(Document document) {
    if (fields.holdsArray(document)) {
      multikey = true;
    }
    return getKeyValues(document);
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
  public Object getPosition(Document document) {
    // the _id index answers where a document is; this one would only repeat it
    return null;
  }

  @Override
  public void checkAdd(Document document, MongoCollection<Object> collection) {
    // no constraint; computing the keys rejects parallel arrays as MongoDB does
    if (!skips(document)) {
      getKeyValues(document);
    }
  }

  @Override
  public void add(Document document, Object position, MongoCollection<Object> collection) {
    if (skips(document)) {
      return;
    }
    for (KeyValue key : keysOf(document)) {
      entries.add(key, position);
    }
  }

  @Override
  public void restore(Document document, Object position, MongoCollection<Object> collection) {
    add(document, position, collection); // it has no constraint to check
  }

  @Override
  public Object remove(Document document) {
    if (skips(document)) {
      return null;
    }
    Object position = document.get(idField);
    for (KeyValue key : getKeyValues(document)) {
      entries.remove(key, position);
    }
    return position;
  }

  @Override
  public boolean canHandle(Document query) {
    // mongo-java-server's own lookup path is for exact unique matches; QueryPlanner plans for this index
    return false;
  }

  @Override
  public Iterable<Object> getPositions(Document query) {
    throw new UnsupportedOperationException("planned by QueryPlanner");
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
  public void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<Object> collection) {
    if (!skips(newDocument)) {
      getKeyValues(newDocument);
    }
  }

  @Override
  public void updateInPlace(Document oldDocument, Document newDocument, Object position, MongoCollection<Object> collection) {
    if (!nullAwareEqualsKeys(oldDocument, newDocument)) {
      remove(oldDocument);
      add(newDocument, position, collection);
    }
  }

  @Override
  public void drop() {
    entries.clear();
  }
}
