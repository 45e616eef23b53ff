package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryParameters;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.h2.mvstore.MVMap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * mongo-java-server's H2 collection with two additions: answers are copies taken under the
 * collection's lock (see {@link SnapshotBackend}), and queries go through {@link QueryPlanner},
 * so a query with equality on an index's prefix reads that index's range instead of every
 * document. Every document read to answer a query is counted ({@code examined}), which is how a
 * test tells an index lookup from a scan.
 */
final class IndexedCollection extends H2Collection {

  private final MVMap<Object, Document> dataMap;
  private final Supplier<LongAdder> examined;
  /** The collection's own order of positions (its map's key order): a scan's order. */
  private final Comparator<Object> positionOrder;
  /** True while the database opens: ordered indexes are then rebuilt together in one pass, not one pass each. */
  private final BooleanSupplier opening;
  private final List<Index<Object>> deferred = new ArrayList<>();
  /** A $match the next whole-collection read in this thread may start from (an aggregation's first stage). */
  private final ThreadLocal<Document> prefilter = new ThreadLocal<>();

  IndexedCollection(MongoDatabase database, String collectionName, CollectionOptions options, MVMap<Object, Document> dataMap,
                    MVMap<String, Object> metaMap, CursorRegistry cursorRegistry, Supplier<LongAdder> examined,
                    BooleanSupplier opening) {
    super(database, collectionName, options, dataMap, metaMap, cursorRegistry);
    this.opening = opening;
    this.dataMap = dataMap;
    this.examined = examined;
    this.positionOrder = positionOrder(dataMap);
  }

  static Comparator<Object> positionOrder(MVMap<Object, Document> dataMap) {
    return dataMap.getKeyType()::compare;
  }

  /**
   * The data size is not kept with every write: upstream encodes the whole document to BSON to
   * measure it (twice for an update) and writes the running total into the collection's metadata
   * map, one more journaled change per write. Only collStats and validate read it; they get it
   * summed over the documents when they ask.
   */
  @Override
  protected boolean tracksDataSize() {
    return false;
  }

  @Override
  protected synchronized int getDataSize() {
    if (dataMap == null) {
      return super.getDataSize(); // H2Collection's constructor logs it, before this class's fields are set
    }
    long size = 0;
    ByteBuf bson = Unpooled.buffer();
    for (Document document : dataMap.values()) {
      BsonEncoder.encodeDocument(document, bson.clear());
      size += bson.readableBytes();
    }
    return (int) Math.min(size, Integer.MAX_VALUE);
  }

  @Override
  public synchronized Document findAndModify(Document query) {
    return super.findAndModify(query).cloneDeeply();
  }

  @Override
  public synchronized QueryResult handleQuery(QueryParameters parameters) {
    QueryResult result = super.handleQuery(parameters);
    List<Document> copies = result.collectDocuments().stream().map(Document::cloneDeeply).toList();
    return new QueryResult(copies, result.getCursorId());
  }

  // upstream leaves these unsynchronized; the ordered indexes are plain maps guarded by the collection's lock

  @Override
  public synchronized int count(Document query, int skip, int limit) {
    return super.count(query, skip, limit);
  }

  @Override
  public synchronized void addIndex(Index<Object> index) {
    if (opening.getAsBoolean() && index instanceof OrderedIndex && index.isEmpty()
        && getIndexes().stream().noneMatch(i -> i.getName().equals(index.getName()))) {
      // mongo-java-server would fill it now with two passes over the documents; buildDeferredIndexes fills all in one
      getIndexes().add(index);
      deferred.add(index);
      return;
    }
    super.addIndex(index);
  }

  /**
   * Fills the indexes reopened with the database, in one pass over the documents. They held
   * their constraints when the documents were stored, so no check pass is needed first.
   */
  synchronized void buildDeferredIndexes() {
    if (deferred.isEmpty()) {
      return;
    }
    streamAllDocumentsWithPosition().forEach(d -> {
      for (Index<Object> index : deferred) {
        ((OrderedIndex) index).restore(d.getDocument(), d.getPosition(), this);
      }
    });
    deferred.clear();
  }

  @Override
  public synchronized void dropIndex(String indexName) {
    super.dropIndex(indexName);
  }

  /**
   * An aggregation reads the whole collection and filters it in its $match stage; given the
   * $match as a prefilter, that read becomes a planned query. The stage still runs, on documents
   * that already match, so the answer is the same.
   */
  void prefilterNextReadAll(Document match) {
    prefilter.set(match);
  }

  void clearPrefilter() {
    prefilter.remove();
  }

  @Override
  public Stream<Document> queryAllAsStream() {
    Document match = prefilter.get();
    prefilter.remove();
    return match == null ? super.queryAllAsStream() : handleQueryAsStream(match);
  }

  @Override
  protected Document getDocument(Object position) {
    countExamined();
    return super.getDocument(position);
  }

  @Override
  protected QueryResult matchDocuments(Document query, Document orderBy, int numberToSkip, int limit, int batchSize,
                                       Document fieldSelector) {
    // H2Collection's scan, counted
    Stream<Document> documents;
    if (isNaturalDescending(orderBy)) {
      List<Object> keys = new ArrayList<>(dataMap.keySet());
      keys.sort(ValueComparator.desc());
      documents = keys.stream().map(this::getDocument);
    } else {
      documents = dataMap.values().stream().peek(d -> countExamined());
    }
    return matchDocumentsFromStream(documents, query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
  }

  @Override
  protected QueryResult queryDocuments(Document query, Document orderBy, int numberToSkip, int limit, int batchSize,
                                       Document fieldSelector) {
    Object plan = QueryPlanner.plan(query, orderBy, getIdField(), orderedIndexes());
    if (plan instanceof QueryPlanner.IdPlan ids) {
      Index<Object> idIndex = idIndex();
      if (idIndex != null) {
        TreeSet<Object> positions = new TreeSet<>(positionOrder);
        for (Object id : ids.ids()) {
          Document lookup = new Document(getIdField(), id);
          if (!idIndex.canHandle(lookup)) {
            return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
          }
          idIndex.getPositions(lookup).forEach(positions::add);
        }
        return matchDocumentsFromStream(query, positions.stream().map(this::getDocument), numberToSkip, limit, batchSize,
            deriveComparator(orderBy), fieldSelector);
      }
    } else if (plan instanceof QueryPlanner.IndexPlan indexed) {
      if (indexed.ordered()) {
        // index order is the sort: read lazily, so a limit stops the walk
        Iterator<Object> positions = indexed.ranges().stream()
            .flatMap(r -> stream(indexed.index().positions(r, indexed.reverse())))
            .iterator();
        return matchDocumentsFromStream(query, stream(positions).map(this::getDocument), numberToSkip, limit, batchSize,
            null, fieldSelector);
      }
      // otherwise the candidates in the scan's order, then sorted as the scan would sort them
      TreeSet<Object> positions = new TreeSet<>(positionOrder);
      for (QueryPlanner.Range range : indexed.ranges()) {
        indexed.index().positions(range, false).forEachRemaining(positions::add);
      }
      return matchDocumentsFromStream(query, positions.stream().map(this::getDocument), numberToSkip, limit, batchSize,
          deriveComparator(orderBy), fieldSelector);
    }
    return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
  }

  private void countExamined() {
    LongAdder counter = examined.get();
    // null while the backend itself is being constructed (it opens the stored databases first)
    if (counter != null) {
      counter.increment();
    }
  }

  private static <T> Stream<T> stream(Iterator<T> iterator) {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator, Spliterator.ORDERED), false);
  }

  private List<OrderedIndex> orderedIndexes() {
    List<OrderedIndex> ordered = new ArrayList<>();
    for (Index<Object> index : getIndexes()) {
      if (index instanceof OrderedIndex o) {
        ordered.add(o);
      }
    }
    return ordered;
  }

  private Index<Object> idIndex() {
    for (Index<Object> index : getIndexes()) {
      if (index.isUnique() && index.getKeys().size() == 1 && index.getKeys().get(0).getKey().equals(getIdField())) {
        return index;
      }
    }
    return null;
  }
}
