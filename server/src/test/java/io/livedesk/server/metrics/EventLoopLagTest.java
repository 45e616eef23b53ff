package io.livedesk.server.metrics;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A starved event loop shows up in the lag probe that /health and /metrics report. */
class EventLoopLagTest {

  private static final Vertx vertx = Vertx.vertx();

  @AfterAll
  static void stop() {
    vertx.close();
  }

  @Test
  void aBlockedEventLoopIsReportedAsLagAboveTheDegradedThreshold() throws Exception {
    Context loop = vertx.getOrCreateContext();
    EventLoopLag lag = new EventLoopLag(vertx, 10);
    Promise<Void> blocked = Promise.promise();
    loop.runOnContext(v -> {
      lag.start();
      // Starve this loop on purpose, as a handler that blocks would.
      vertx.setTimer(150, id -> {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Health.LAG_DEGRADED_MS + 200);
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        // The probe's next tick runs after this handler returns; report after it.
        vertx.setTimer(EventLoopLag.INTERVAL_MS * 2, t -> blocked.complete());
      });
    });
    blocked.future().await(10, TimeUnit.SECONDS);
    assertTrue(lag.worstRecentMs() >= Health.LAG_DEGRADED_MS, "lag was " + lag.worstRecentMs());
  }
}
