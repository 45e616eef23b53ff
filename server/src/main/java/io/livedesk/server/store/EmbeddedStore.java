package io.livedesk.server.store;

import io.livedesk.server.store.embedded.DurableWireServer;
import io.livedesk.server.store.embedded.GroupCommitter;
import io.livedesk.server.store.embedded.SnapshotBackend;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The no-setup store: a MongoDB-wire-compatible server on loopback, persisted in one H2 file
 * under the data directory. The application reaches it only through the MongoDB driver, exactly
 * as it would reach a real MongoDB.
 *
 * <p>Every command that changes data is answered only after the change is durable: appended to
 * the store's journal and fsynced (group commit: concurrent writers share one sync, see
 * {@link GroupCommitter} and {@code store.embedded.Journal}), so an acknowledged write survives the process being
 * killed or the machine losing power. The store file catches up with a checkpoint every
 * {@link #CHECKPOINT_INTERVAL_MS} ms that anything was written, on a thread of its own. Reads are
 * answered at once; they may see a write whose sync is still in progress, as a MongoDB read with
 * read concern "local" may.
 */
public final class EmbeddedStore implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);

  /**
   * How often the store file catches up with the journal while writes come in. The journal's
   * length, and so the replay after a crash, is what this bounds; a checkpoint costs an MVStore
   * commit and an fsync of the file, off the writers' path.
   */
  static final long CHECKPOINT_INTERVAL_MS = 1_000;

  private final SnapshotBackend backend;
  private final GroupCommitter committer;
  private final DurableWireServer server;
  private final InetSocketAddress address;
  private final ScheduledExecutorService checkpoints;
  /** The journal's length at the last checkpoint; read and written only on the checkpoint thread. */
  private long checkpointedAt;

  private EmbeddedStore(SnapshotBackend backend, GroupCommitter committer, DurableWireServer server) {
    this.backend = backend;
    this.committer = committer;
    this.server = server;
    this.address = server.localAddress();
    this.checkpoints = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "embedded-store-checkpoint");
      thread.setDaemon(true);
      return thread;
    });
    this.checkpointedAt = backend.journalBytes();
    checkpoints.scheduleWithFixedDelay(() -> {
      long journaled = backend.journalBytes();
      if (journaled == checkpointedAt) {
        return;
      }
      try {
        backend.checkpoint();
        checkpointedAt = journaled;
      } catch (RuntimeException e) {
        // the journal still holds every change; the next tick tries again
        log.warn("checkpoint of the embedded store failed", e);
      }
    }, CHECKPOINT_INTERVAL_MS, CHECKPOINT_INTERVAL_MS, TimeUnit.MILLISECONDS);
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
    SnapshotBackend backend = SnapshotBackend.open(dataDir);
    GroupCommitter committer = new GroupCommitter("embedded-store-committer", () -> {
      beforeEachSync.run();
      backend.syncJournal();
    }, () -> {
      beforeEachSync.run();
      backend.checkpoint();
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

  /** Syncs run for writers so far: with {@link #durableWrites()}, the grouping achieved. */
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

  /** Blocking: stops listening, makes the writes in flight durable, checkpoints and closes the file. */
  @Override
  public void close() {
    server.close();
    committer.close();
    checkpoints.shutdown();
    try {
      checkpoints.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    backend.close();
  }
}
