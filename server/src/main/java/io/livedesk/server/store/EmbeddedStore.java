package io.livedesk.server.store;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.QueryParameters;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The no-setup store: a MongoDB-wire-compatible server on loopback, persisted in one H2 file
 * under the data directory. The application reaches it only through the MongoDB driver, exactly
 * as it would reach a real MongoDB.
 */
public final class EmbeddedStore implements AutoCloseable {

  private final H2Backend backend;
  private final MongoServer server;
  private final InetSocketAddress address;

  private EmbeddedStore(H2Backend backend, MongoServer server, InetSocketAddress address) {
    this.backend = backend;
    this.server = server;
    this.address = address;
  }

  /** Blocking: opens the file and binds. Call from a worker thread or before Vert.x starts. */
  public static EmbeddedStore start(Path dataDir, int port) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dataDir, e);
    }
    H2Backend backend = new SnapshotBackend(dataDir.resolve("livedesk.mv").toAbsolutePath().toString());
    MongoServer server = new MongoServer(backend);
    server.bind("127.0.0.1", port);
    return new EmbeddedStore(backend, server, server.getLocalAddress());
  }

  public String uri() {
    return "mongodb://127.0.0.1:" + address.getPort();
  }

  /** Blocking: stops listening and closes the file so everything written is on disk. */
  @Override
  public void close() {
    server.shutdownNow();
    backend.close();
  }

  /**
   * mongo-java-server's H2 backend answers a findAndModify or a find with the stored documents
   * themselves, which it updates in place, and encodes the answer after releasing the
   * collection's lock: an update of the same document meanwhile corrupted the answer or failed it
   * (a ConcurrentModificationException, seen as a lost conversation update under load). Here
   * every answer is a copy taken under the lock.
   */
  private static final class SnapshotBackend extends H2Backend {

    // the map names H2Database uses for a collection (its constants are not public)
    private static final String DATA_MAP_PREFIX = "databases.";
    private static final String META_MAP_PREFIX = "meta.";

    SnapshotBackend(String fileName) {
      super(fileName);
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
}
