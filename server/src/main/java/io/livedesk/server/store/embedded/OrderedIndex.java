package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.bson.Document;

import java.util.Iterator;
import java.util.List;

/** An index whose keys can be walked in order: what {@link QueryPlanner} plans with. */
interface OrderedIndex {

  List<IndexKey> getKeys();

  String getName();

  /**
   * Whether a plan may use it: not once a document put an array in one of its fields (a
   * multikey index orders array elements, not documents as MongoDB sorts them), not when sparse
   * (a document without the fields is not in it).
   */
  boolean plannable();

  /**
   * The positions of the keys in the range (in index order), forwards or backwards;
   * within one key, always in the collection's position order, as a stable sort of a scan would
   * leave documents whose sort keys are equal.
   */
  Iterator<Object> positions(QueryPlanner.Range range, boolean reverse);

  /**
   * Adds a stored document's keys as the store opens, without the checks its constraints had
   * when it was stored (a unique index's lookup per key): they held then, and the documents are
   * what was stored.
   */
  void restore(Document document, Object position, MongoCollection<Object> collection);
}
