package io.livedesk.server.store;

import com.mongodb.MongoConnectionPoolClearedException;
import com.mongodb.MongoException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import io.livedesk.server.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.reactivestreams.Publisher;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Durable writes that ride out a MongoDB outage: a write that fails because the store cannot be
 * reached is retried with backoff until it succeeds or {@code maxWaitMs} passes, while at most
 * {@code capacity} writes wait. A write beyond that is refused at once with
 * {@link StoreUnavailableException}, which callers turn into a retryable error for the sender.
 * Callers acknowledge only when the returned future succeeds, so nothing acknowledged is lost.
 */
public final class WriteBuffer {

  private final Vertx vertx;
  private final int capacity;
  private final long maxWaitMs;
  private final AtomicInteger pending = new AtomicInteger();
  private final Metrics.Counter retries;
  private final Metrics.Counter refused;

  public WriteBuffer(Vertx vertx, Metrics metrics, int capacity, long maxWaitMs) {
    this.vertx = vertx;
    this.capacity = capacity;
    this.maxWaitMs = maxWaitMs;
    this.retries = metrics.counter("livedesk_store_write_retries_total", "store writes retried because MongoDB was unreachable");
    this.refused = metrics.counter("livedesk_store_writes_refused_total", "store writes refused because the write buffer was full");
    metrics.gauge("livedesk_store_writes_pending", "store writes waiting for MongoDB", pending::get);
  }

  /** Runs the write (a fresh publisher per attempt) until it is durable, or fails. */
  public <T> Future<T> write(Store store, Supplier<Publisher<T>> write) {
    if (pending.incrementAndGet() > capacity) {
      pending.decrementAndGet();
      refused.inc();
      return Future.failedFuture(new StoreUnavailableException("the store is unreachable and " + capacity
          + " writes are already waiting; retry later"));
    }
    Promise<T> result = Promise.promise();
    attempt(store, write, System.currentTimeMillis() + maxWaitMs, 50, result);
    return result.future().onComplete(ar -> pending.decrementAndGet());
  }

  public int pending() {
    return pending.get();
  }

  private <T> void attempt(Store store, Supplier<Publisher<T>> write, long giveUpAt, long backoffMs, Promise<T> result) {
    store.first(write.get()).onComplete(ar -> {
      if (ar.succeeded()) {
        result.complete(ar.result());
      } else if (unreachable(ar.cause()) && System.currentTimeMillis() + backoffMs < giveUpAt) {
        retries.inc();
        vertx.setTimer(backoffMs, id -> attempt(store, write, giveUpAt, Math.min(backoffMs * 2, 2000), result));
      } else if (unreachable(ar.cause())) {
        result.fail(new StoreUnavailableException("the store did not come back within " + maxWaitMs + " ms"));
      } else {
        result.fail(ar.cause());
      }
    });
  }

  /** Outages, not answers: a duplicate key or a validation error is an answer and is not retried. */
  static boolean unreachable(Throwable t) {
    return t instanceof StoreUnavailableException || t instanceof MongoTimeoutException || t instanceof MongoSocketException
        || t instanceof MongoConnectionPoolClearedException || t instanceof MongoNotPrimaryException
        || t instanceof MongoNodeIsRecoveringException
        || (t instanceof MongoException m && (m.hasErrorLabel("RetryableWriteError")
            || m.hasErrorLabel(MongoException.TRANSIENT_TRANSACTION_ERROR_LABEL)));
  }
}
