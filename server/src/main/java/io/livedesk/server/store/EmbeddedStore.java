package io.livedesk.server.store;

import io.livedesk.server.store.embedded.DurableWireServer;
import io.livedesk.server.store.embedded.GroupCommitter;
import io.livedesk.server.store.embedded.SnapshotBackend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The no-setup store: a MongoDB-wire-compatible server on loopback, persisted in one H2 file
 * under the data directory. The application reaches it only through the MongoDB driver, exactly
 * as it would reach a real MongoDB.
 *
 * <p>Every command that changes data is answered only after the change is committed and fsynced
 * (group commit: concurrent writers share one sync, see {@link GroupCommitter}), so an
 * acknowledged write survives the process being killed or the machine losing power. Reads are
 * answered at once; they may see a write whose sync is still in progress, as a MongoDB read with
 * read concern "local" may.
 */
public final class EmbeddedStore implements AutoCloseable {

  private final SnapshotBackend backend;
  private final GroupCommitter committer;
  private final DurableWireServer server;
  private final InetSocketAddress address;

  private EmbeddedStore(SnapshotBackend backend, GroupCommitter committer, DurableWireServer server) {
    this.backend = backend;
    this.committer = committer;
    this.server = server;
    this.address = server.localAddress();
  }

  /** Blocking: opens the file and binds. Call from a worker thread or before Vert.x starts. */
  public static EmbeddedStore start(Path dataDir, int port) {
    return start(dataDir, port, () -> { });
  }

  /** As {@link #start(Path, int)}, running {@code beforeEachSync} on the committer first: a slow disk, in tests. */
  static EmbeddedStore start(Path dataDir, int port, Runnable beforeEachSync) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dataDir, e);
    }
    SnapshotBackend backend = new SnapshotBackend(dataDir.resolve("livedesk.mv").toAbsolutePath().toString());
    // a new file's directory entry is durable only once the directory itself is synced
    backend.commitAndSync();
    syncDirectory(dataDir);
    GroupCommitter committer = new GroupCommitter("embedded-store-committer", () -> {
      beforeEachSync.run();
      backend.commitAndSync();
    });
    try {
      DurableWireServer server = DurableWireServer.bind(new InetSocketAddress("127.0.0.1", port), backend, committer);
      return new EmbeddedStore(backend, committer, server);
    } catch (RuntimeException e) {
      committer.close();
      backend.close();
      throw e;
    }
  }

  public String uri() {
    return "mongodb://127.0.0.1:" + address.getPort();
  }

  /** Commit-and-syncs run so far: with {@link #durableWrites()}, the grouping achieved. */
  long syncs() {
    return committer.syncs();
  }

  /** Write commands made durable so far. */
  long durableWrites() {
    return committer.writes();
  }

  /** Documents read to answer queries so far, over every collection: a scan reads them all, an index lookup those it returns. */
  long documentsExamined() {
    return backend.documentsExamined();
  }

  /** Blocking: stops listening, makes the writes in flight durable and closes the file. */
  @Override
  public void close() {
    server.close();
    committer.close();
    backend.close();
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // some platforms (Windows) cannot open a directory; the file's own sync still holds its data
    }
  }
}
