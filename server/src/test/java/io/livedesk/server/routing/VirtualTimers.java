package io.livedesk.server.routing;

import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;

/** A virtual clock for the simulation: timers fire in time order when the clock is advanced, never by themselves. */
final class VirtualTimers implements Timers {

  private record Task(long at, long id, Runnable action) {
  }

  private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
      : Long.compare(a.id, b.id));
  private final Set<Long> cancelled = new HashSet<>();
  private long now = 1_800_000_000_000L;
  private long nextId = 1;

  @Override
  public long now() {
    return now;
  }

  @Override
  public long after(long delayMs, Runnable action) {
    long id = nextId++;
    tasks.add(new Task(now + Math.max(1, delayMs), id, action));
    return id;
  }

  @Override
  public void cancel(long id) {
    cancelled.add(id);
  }

  /** Moves the clock on by {@code ms}, running each timer due on the way at its time; {@code after} runs after each. */
  void advance(long ms, Runnable afterEach) {
    long until = now + ms;
    while (!tasks.isEmpty() && tasks.peek().at() <= until) {
      Task t = tasks.poll();
      now = Math.max(now, t.at());
      if (!cancelled.remove(t.id())) {
        t.action().run();
        afterEach.run();
      }
    }
    now = until;
  }
}
