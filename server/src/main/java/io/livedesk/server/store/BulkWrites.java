package io.livedesk.server.store;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.WriteModel;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.bson.Document;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes to one collection that travel together: each {@link #submit} joins the next bulk write,
 * and one bulk write is in flight at a time; the writes submitted while it travels leave as the
 * next one the moment it is answered. A lone write leaves at once, so nothing waits for company.
 *
 * <p>Why: a message cost a command of its own for its insert and another for its conversation's
 * lastSeq, each a round trip through the driver, the socket and the store, and a durable write
 * the store syncs. At 2,000 messages/s the embedded store's threads and the driver's took 0.83 of
 * the node's 1.32 cores, half of it in the kernel. Under load a bulk write carries several, and
 * its cost is shared; a real MongoDB answers it in one round trip too.
 *
 * <p>Each write is answered on its own: on the context it was submitted from, with its own error
 * (a duplicate key is the {@link MongoWriteException} a single write would have got), so a caller
 * cannot tell it travelled with others. With {@code ordered}, the writes apply in submission
 * order, and a write after a failed one is not applied and fails with the bulk's error.
 *
 * <p>Bounded: at most {@code capacity} writes wait (then a submit fails at once with
 * {@link StoreUnavailableException}), at most {@code maxBatch} travel in one bulk write, and an
 * outage is ridden out by the {@link WriteBuffer} as for any write.
 */
public final class BulkWrites {

  private final Store store;
  private final WriteBuffer writes;
  private final MongoCollection<Document> collection;
  private final BulkWriteOptions options;
  private final int maxBatch;
  private final int capacity;
  private final Object lock = new Object();
  /** Submitted, not yet sent; guarded by {@link #lock}. */
  private List<Submitted> waiting = new ArrayList<>();
  /** Whether a bulk write is travelling; guarded by {@link #lock}. */
  private boolean sending;

  private record Submitted(WriteModel<Document> write, Context context, Promise<Void> answer) {
  }

  public BulkWrites(Store store, WriteBuffer writes, MongoCollection<Document> collection, boolean ordered, int maxBatch,
                    int capacity) {
    this.store = store;
    this.writes = writes;
    this.collection = collection;
    this.options = new BulkWriteOptions().ordered(ordered);
    this.maxBatch = maxBatch;
    this.capacity = capacity;
  }

  /** Completes once the write is durable as the collection's write concern asks, or fails with its own error. */
  public Future<Void> submit(WriteModel<Document> write) {
    Submitted submitted = new Submitted(write, Vertx.currentContext(), Promise.promise());
    List<Submitted> batch;
    synchronized (lock) {
      if (waiting.size() >= capacity) {
        return Future.failedFuture(new StoreUnavailableException(capacity + " writes to " + collection.getNamespace()
            + " are waiting already; retry later"));
      }
      waiting.add(submitted);
      if (sending) {
        return submitted.answer().future();
      }
      sending = true;
      batch = next();
    }
    send(batch);
    return submitted.answer().future();
  }

  /** How many writes wait to be sent. */
  public int waiting() {
    synchronized (lock) {
      return waiting.size();
    }
  }

  /** Takes up to {@code maxBatch} waiting writes; under {@link #lock}. */
  private List<Submitted> next() {
    if (waiting.size() <= maxBatch) {
      List<Submitted> all = waiting;
      waiting = new ArrayList<>();
      return all;
    }
    List<Submitted> first = new ArrayList<>(waiting.subList(0, maxBatch));
    waiting.subList(0, maxBatch).clear();
    return first;
  }

  private void send(List<Submitted> batch) {
    List<WriteModel<Document>> models = new ArrayList<>(batch.size());
    for (Submitted s : batch) {
      models.add(s.write());
    }
    writes.write(store, () -> collection.bulkWrite(models, options)).onComplete(ar -> {
      for (int i = 0; i < batch.size(); i++) {
        answer(batch.get(i), outcome(ar, i));
      }
      List<Submitted> following;
      synchronized (lock) {
        if (waiting.isEmpty()) {
          sending = false;
          return;
        }
        following = next();
      }
      send(following);
    });
  }

  /** The {@code i}th write's own outcome of the bulk write. */
  private Throwable outcome(AsyncResult<?> bulk, int i) {
    if (bulk.succeeded()) {
      return null;
    }
    if (!(bulk.cause() instanceof MongoBulkWriteException e)) {
      return bulk.cause(); // nothing known to be applied: every write fails as the bulk did
    }
    int firstFailed = Integer.MAX_VALUE;
    for (BulkWriteError error : e.getWriteErrors()) {
      if (error.getIndex() == i) {
        return new MongoWriteException(error, e.getServerAddress(), e.getErrorLabels());
      }
      firstFailed = Math.min(firstFailed, error.getIndex());
    }
    if (options.isOrdered() && i > firstFailed) {
      return e; // not applied: an ordered bulk write stops at its first failure
    }
    return e.getWriteConcernError() != null ? e : null; // applied, but not known to be durable as asked
  }

  private static void answer(Submitted s, Throwable failure) {
    Runnable complete = () -> {
      if (failure == null) {
        s.answer().complete();
      } else {
        s.answer().fail(failure);
      }
    };
    if (s.context() == null || s.context() == Vertx.currentContext()) {
      complete.run();
    } else {
      Store.answer(s.context(), complete); // as every store answer: nothing when the node is closing
    }
  }
}
