package io.livedesk.load;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Latencies in 10-microsecond buckets up to 20 s (one overflow bucket above), safe to record from
 * every event loop at once; millions of samples cost nothing more than the fixed 16 MB array.
 */
final class Histogram {

  private static final int BUCKET_MICROS = 10;
  private static final int BUCKETS = 2_000_000;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS + 1);
  private final LongAdder total = new LongAdder();

  void recordNanos(long nanos) {
    long bucket = Math.max(0, nanos / 1000 / BUCKET_MICROS);
    counts.incrementAndGet((int) Math.min(bucket, BUCKETS));
    total.increment();
  }

  void reset() {
    for (int i = 0; i <= BUCKETS; i++) {
      counts.set(i, 0);
    }
    total.reset();
  }

  long count() {
    return total.sum();
  }

  /** The value in milliseconds below which {@code q} (0..1) of the samples fall; NaN when empty. */
  double percentileMs(double q) {
    long n = count();
    if (n == 0) {
      return Double.NaN;
    }
    long rank = (long) Math.ceil(q * n);
    long seen = 0;
    for (int i = 0; i <= BUCKETS; i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return (i + 1) * BUCKET_MICROS / 1000.0;
      }
    }
    return BUCKETS * BUCKET_MICROS / 1000.0;
  }
}
