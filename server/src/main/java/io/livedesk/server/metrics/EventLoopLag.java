package io.livedesk.server.metrics;

import io.vertx.core.Vertx;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures how late a timer fires on one event loop: a starved or blocked loop shows up here
 * long before clients complain. Each gateway instance runs one probe on its own loop.
 */
public final class EventLoopLag {

  public static final long INTERVAL_MS = 100;

  private final AtomicLong worstRecentMs = new AtomicLong();
  private final Vertx vertx;
  private final int windowTicks;
  private long timer = -1;
  private long expectedAt;
  private long worstThisWindow;
  private int ticks;

  /** Reports the worst lag of each window of {@code windowSeconds}. */
  public EventLoopLag(Vertx vertx, int windowSeconds) {
    this.vertx = vertx;
    this.windowTicks = (int) (windowSeconds * 1000 / INTERVAL_MS);
  }

  /** Call on the event loop to be measured. */
  public void start() {
    expectedAt = System.nanoTime() + INTERVAL_MS * 1_000_000;
    timer = vertx.setPeriodic(INTERVAL_MS, id -> tick());
  }

  private void tick() {
    long now = System.nanoTime();
    long lagMs = Math.max(0, (now - expectedAt) / 1_000_000);
    expectedAt = now + INTERVAL_MS * 1_000_000;
    worstThisWindow = Math.max(worstThisWindow, lagMs);
    // Publish the worst lag of each window: long enough for a scrape or a health check to see a spike.
    if (++ticks >= windowTicks) {
      worstRecentMs.set(worstThisWindow);
      worstThisWindow = 0;
      ticks = 0;
    }
  }

  public long worstRecentMs() {
    return Math.max(worstRecentMs.get(), worstThisWindow);
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
