package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.DatabaseResolver;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;

/**
 * The embedded store's backend: mongo-java-server's H2 MVStore backend, with four changes.
 * (The name is from the first of them.)
 *
 * <p>Answers are copies taken under the collection's lock. mongo-java-server's H2 backend answers
 * a findAndModify or a find with the stored documents themselves, which it updates in place, and
 * encodes the answer after releasing the collection's lock: an update of the same document
 * meanwhile corrupted the answer or failed it (a ConcurrentModificationException, seen as a lost
 * conversation update under load).
 *
 * <p>Indexes are real: non-unique and unique ones are ordered and planned for (see
 * {@link IndexedCollection}, {@link QueryPlanner}), where mongo-java-server ignored non-unique
 * ones and scanned every query that was not an exact match on a unique index.
 *
 * <p>Writes are made durable in a {@link Journal}: every collection's maps are {@link JournaledMap}s,
 * {@link #syncJournal()} forces what they appended, and {@link GroupCommitter} calls it before
 * write commands are answered. {@link #checkpoint()} brings the store file up to date and drops
 * the journal before it; opening replays what the journal still holds.
 */
public class SnapshotBackend extends H2Backend {

  // the map names H2Database uses for a collection (its constants are not public)
  private static final String DATA_MAP_PREFIX = "databases.";
  private static final String META_MAP_PREFIX = "meta.";

  private static final Logger log = LoggerFactory.getLogger(SnapshotBackend.class);

  /** The store file's name in the data directory. */
  public static final String FILE_NAME = "livedesk.mv";

  /**
   * The journal while the backend is being constructed: H2Backend's constructor opens the stored
   * databases, whose collections open their maps, before this class's fields are set.
   */
  private static final ThreadLocal<Journal> OPENING = new ThreadLocal<>();

  private final LongAdder examined = new LongAdder();
  private final Journal journal;
  private final Object checkpointLock = new Object();

  private SnapshotBackend(MVStore store, Journal journal) {
    super(store);
    this.journal = journal;
  }

  /**
   * Blocking: opens the store file in {@code dir}, replays the journal over it, makes the result
   * durable and answers the backend, recording into a new journal segment.
   */
  public static SnapshotBackend open(Path dir) {
    MVStore store = MVStore.open(dir.resolve(FILE_NAME).toAbsolutePath().toString());
    Journal journal = Journal.in(dir);
    SnapshotBackend backend;
    try {
      // every collection map is opened journaled before anything else can open it plain
      for (String name : store.getMapNames()) {
        if (name.startsWith(DATA_MAP_PREFIX) || name.startsWith(META_MAP_PREFIX)) {
          journaled(store, journal, name);
        }
      }
      journal.replay(name -> journaled(store, journal, name));
      OPENING.set(journal);
      try {
        backend = new SnapshotBackend(store, journal);
      } finally {
        OPENING.remove();
      }
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    // the replayed changes into the file, and the segments they came from deleted
    backend.checkpoint();
    // a new file's directory entry is durable only once the directory itself is synced
    Journal.syncDirectory(dir);
    return backend;
  }

  private static <K, V> MVMap<K, V> journaled(MVStore store, Journal journal, String name) {
    MVMap<K, V> map = store.openMap(name, new JournaledMap.Builder<K, V>(journal));
    if (!(map instanceof JournaledMap)) {
      // its changes would not be journaled: acknowledged writes to it would not survive a crash
      throw new IllegalStateException("the map " + name + " was opened without its journal");
    }
    return map;
  }

  private Journal journal() {
    return journal != null ? journal : OPENING.get();
  }

  /**
   * Blocking: forces every change appended to the journal so far to the device. Throws when it
   * cannot; then no write is answered as durable until a {@link #checkpoint()} has succeeded.
   */
  public void syncJournal() {
    try {
      journal.sync();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Blocking: starts a new journal segment, commits and syncs the store file, which then holds
   * every change of the older segments, and deletes them. Also what a command outside the
   * journal (dropping a collection or a database, renaming) is made durable with.
   */
  public void checkpoint() {
    synchronized (checkpointLock) {
      long through;
      try {
        through = journal.rotate();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      commitAndSync();
      journal.checkpointed(through);
    }
  }

  /** Bytes appended to the journal since it opened: a checkpoint is due when this moved. */
  public long journalBytes() {
    return journal.appended();
  }

  /** Blocking: checkpoints, so that the next open has nothing to replay, and closes the file. */
  @Override
  public void close() {
    try {
      checkpoint();
    } catch (RuntimeException e) {
      log.warn("no checkpoint at close; the journal is replayed when the store opens", e);
    } finally {
      journal.close();
      super.close();
    }
  }

  /**
   * Blocking: commits the MVStore (writes every change made so far as a new chunk) and forces the
   * file to the device. H2's background writer may have taken some changes already and handed
   * them to its serialization and save threads, in which case commit() finds nothing left to do
   * and returns before they are written; executeFilestoreOperation drains those threads before
   * the fsync, so the sync covers them too.
   */
  private void commitAndSync() {
    MVStore store = getMvStore();
    store.commit();
    if (store.getFileStore() != null) {
      store.executeFilestoreOperation(() -> store.getFileStore().sync());
    }
  }

  /** Documents read to answer queries, over every collection: with a query's answer, scan or index lookup. */
  public long documentsExamined() {
    return examined.sum();
  }

  @Override
  protected MongoDatabase openOrCreateDatabase(String databaseName) {
    return new IndexedDatabase(databaseName);
  }

  /**
   * H2Database with {@link IndexedCollection}s and ordered indexes. An inner class because
   * H2Database opens the stored collections and indexes in its constructor, before a subclass's
   * own fields are set. So does H2Backend's constructor, before this backend's fields are set:
   * the collections read the counter through a supplier.
   */
  private final class IndexedDatabase extends H2Database {

    /** No initialiser: H2Database's constructor runs before one would, and false is right until it returns. */
    private boolean opened;

    IndexedDatabase(String databaseName) {
      super(databaseName, getMvStore(), getCursorRegistry());
      MongoCollection<Object> indexCollection = indexes.get();
      if (indexCollection != null) {
        Set<String> names = new TreeSet<>();
        for (Document description : indexCollection.queryAll()) {
          String ns = description.get("ns").toString();
          names.add(ns.substring(ns.indexOf('.') + 1));
        }
        for (String name : names) {
          if (resolveCollection(name, false) instanceof IndexedCollection c) {
            c.buildDeferredIndexes();
          }
        }
      }
      opened = true;
    }

    @Override
    protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
      String name = getFullCollectionNamespace(collectionName);
      return new IndexedCollection(this, collectionName, options, dataMap(name),
          journaled(getMvStore(), journal(), META_MAP_PREFIX + name), cursorRegistry, () -> examined, () -> !opened);
    }

    private MVMap<Object, Document> dataMap(String fullName) {
      return journaled(getMvStore(), journal(), DATA_MAP_PREFIX + fullName);
    }

    @Override
    protected Index<Object> openOrCreateSecondaryIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
      return new SecondaryIndex(indexName, keys, sparse, "_id",
          IndexedCollection.positionOrder(dataMap(getFullCollectionNamespace(collectionName))));
    }

    @Override
    protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
      // _id's too: upstream keeps unique indexes in an MVMap keyed by KeyValue objects, which H2
      // compares by Java-serialising both sides, so every insert and every lookup by _id paid a
      // serialisation per comparison (the top of a profile of inserts). The map an earlier version
      // kept is replaced by the ordered in-memory index, rebuilt from the data.
      String persisted = getFullCollectionNamespace(collectionName) + "._index_" + indexName;
      if (getMvStore().hasMap(persisted)) {
        getMvStore().removeMap(persisted);
      }
      return new UniqueOrderedIndex(indexName, keys, sparse,
          IndexedCollection.positionOrder(dataMap(getFullCollectionNamespace(collectionName))));
    }

    @Override
    public Document handleCommand(Channel channel, String command, Document query, DatabaseResolver resolver, Oplog oplog) {
      IndexedCollection collection = command.equalsIgnoreCase("aggregate") ? aggregated(query) : null;
      if (collection == null) {
        return super.handleCommand(channel, command, query, resolver, oplog);
      }
      // an aggregation that starts with $match (the driver's countDocuments) reads only what its $match can select
      Document match = (Document) ((Document) ((List<?>) query.get("pipeline")).get(0)).get("$match");
      collection.prefilterNextReadAll(match);
      try {
        return super.handleCommand(channel, command, query, resolver, oplog);
      } finally {
        collection.clearPrefilter();
      }
    }

    private static boolean mentions(Object value, String operator) {
      if (value instanceof Document d) {
        return d.containsKey(operator) || d.values().stream().anyMatch(v -> mentions(v, operator));
      }
      return value instanceof List<?> l && l.stream().anyMatch(v -> mentions(v, operator));
    }

    private IndexedCollection aggregated(Document query) {
      if (!(query.get("aggregate") instanceof String name) || !(query.get("pipeline") instanceof List<?> pipeline)
          || pipeline.isEmpty() || !(pipeline.get(0) instanceof Document first) || first.size() != 1
          || !(first.get("$match") instanceof Document match) || query.containsKey("let") || mentions(match, "$expr")) {
        // variables ($$name) are only bound inside the pipeline: such a $match stays a stage
        return null;
      }
      return resolveCollection(name, false) instanceof IndexedCollection c ? c : null;
    }
  }
}
