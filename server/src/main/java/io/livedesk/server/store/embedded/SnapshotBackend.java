package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.QueryParameters;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import org.h2.mvstore.MVStore;

import java.util.List;

/**
 * The embedded store's backend: mongo-java-server's H2 MVStore backend, with two changes.
 *
 * <p>Answers are copies taken under the collection's lock. mongo-java-server's H2 backend answers
 * a findAndModify or a find with the stored documents themselves, which it updates in place, and
 * encodes the answer after releasing the collection's lock: an update of the same document
 * meanwhile corrupted the answer or failed it (a ConcurrentModificationException, seen as a lost
 * conversation update under load).
 *
 * <p>{@link #commitAndSync()} makes every change applied so far durable; {@link GroupCommitter}
 * calls it before write commands are answered.
 */
public class SnapshotBackend extends H2Backend {

  // the map names H2Database uses for a collection (its constants are not public)
  private static final String DATA_MAP_PREFIX = "databases.";
  private static final String META_MAP_PREFIX = "meta.";

  public SnapshotBackend(String fileName) {
    super(fileName);
  }

  /**
   * Blocking: commits the MVStore (writes every change made so far as a new chunk) and forces the
   * file to the device. H2's background writer may have taken some changes already and handed
   * them to its serialization and save threads, in which case commit() finds nothing left to do
   * and returns before they are written; executeFilestoreOperation drains those threads before
   * the fsync, so the sync covers them too.
   */
  public void commitAndSync() {
    MVStore store = getMvStore();
    store.commit();
    if (store.getFileStore() != null) {
      store.executeFilestoreOperation(() -> store.getFileStore().sync());
    }
  }

  @Override
  protected MongoDatabase openOrCreateDatabase(String databaseName) {
    return new H2Database(databaseName, getMvStore(), getCursorRegistry()) {
      @Override
      protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
        String name = getFullCollectionNamespace(collectionName);
        return new H2Collection(this, collectionName, options, getMvStore().openMap(DATA_MAP_PREFIX + name),
            getMvStore().openMap(META_MAP_PREFIX + name), cursorRegistry) {
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
        };
      }
    };
  }
}
