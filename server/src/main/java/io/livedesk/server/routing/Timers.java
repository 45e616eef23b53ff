package io.livedesk.server.routing;

/**
 * The dispatcher's clock and timers: Vert.x timers on its context in a node, a virtual clock in
 * the simulation, so the same decisions run in both.
 */
public interface Timers {

  long now();

  /** Runs {@code action} after {@code delayMs} (at least 1 ms); answers an id for {@link #cancel}. */
  long after(long delayMs, Runnable action);

  void cancel(long id);
}
