package io.livedesk.server.store;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

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
    H2Backend backend = new H2Backend(dataDir.resolve("livedesk.mv").toAbsolutePath().toString());
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
}
