package io.livedesk.server.store.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes writes durable in groups. A writer that has applied its change calls {@link #durable}
 * and gets a future; one committer thread takes every pending writer at once, runs the sync
 * action once for all of them (or the checkpoint action, when one of them needs it), and
 * completes their futures together.
 *
 * <p>Why a single thread and no timer: an fsync costs the same for one write as for a hundred, so
 * the writers that arrive while one sync runs simply wait for the next one and share it. A lone
 * writer pays one sync (no added delay waiting for company); under load the group grows with the
 * sync's own duration, so throughput rises with concurrency instead of being capped at one write
 * per sync. A writer waits for at most the sync in progress plus its own.
 *
 * <p>Why it counts: {@link #syncs()} against {@link #writes()} is the grouping actually achieved
 * (writes per sync), which is what a benchmark or a test checks, without a metrics system.
 *
 * <p>A failed commit or sync fails every waiting writer: their answers become errors, so nothing
 * is acknowledged that was not made durable.
 */
public final class GroupCommitter implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);

  private final Runnable sync;
  private final Runnable checkpoint;
  private final Thread thread;
  private final Object lock = new Object();
  private final AtomicLong syncs = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();
  private List<CompletableFuture<Void>> pending = new ArrayList<>();
  private boolean checkpointWanted;
  private boolean closed;

  /**
   * {@code sync} must make every change applied before it was called durable, as far as the
   * journal holds them; {@code checkpoint} every change whatsoever.
   */
  public GroupCommitter(String name, Runnable sync, Runnable checkpoint) {
    this.sync = sync;
    this.checkpoint = checkpoint;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Completes once every change the caller applied before calling this is durable; fails when
   * the sync failed or the committer is closed. {@code checkpoint}: the change is not in the
   * journal (a dropped collection), so the group runs the checkpoint action.
   */
  public CompletableFuture<Void> durable(boolean checkpoint) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    synchronized (lock) {
      if (closed) {
        future.completeExceptionally(new IllegalStateException("the store is closing"));
        return future;
      }
      pending.add(future);
      checkpointWanted |= checkpoint;
      lock.notifyAll();
    }
    return future;
  }

  /** How many syncs (or checkpoints) ran for writers. */
  public long syncs() {
    return syncs.get();
  }

  /** How many writers were made durable (or failed) by them. */
  public long writes() {
    return writes.get();
  }

  private void run() {
    while (true) {
      List<CompletableFuture<Void>> group;
      boolean checkpointing;
      synchronized (lock) {
        while (pending.isEmpty() && !closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
          }
        }
        if (pending.isEmpty()) {
          return;
        }
        group = pending;
        pending = new ArrayList<>();
        checkpointing = checkpointWanted;
        checkpointWanted = false;
      }
      Throwable failure = null;
      try {
        (checkpointing ? checkpoint : sync).run();
      } catch (Throwable t) {
        log.error("{} failed; {} writes are answered with an error", checkpointing ? "checkpoint" : "sync", group.size(), t);
        failure = t;
      }
      syncs.incrementAndGet();
      writes.addAndGet(group.size());
      for (CompletableFuture<Void> f : group) {
        if (failure == null) {
          f.complete(null);
        } else {
          f.completeExceptionally(failure);
        }
      }
    }
  }

  /** Makes the writes already waiting durable, then stops; later callers fail. Blocking. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
