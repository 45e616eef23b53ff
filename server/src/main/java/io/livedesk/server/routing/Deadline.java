package io.livedesk.server.routing;

/**
 * When a waiting conversation was first queued and when its human response is due. Kept as is
 * through transfers and re-queues, so a conversation never loses its place.
 */
public record Deadline(long queuedAt, long dueAt) {

  public long budgetMs() {
    return Math.max(0, dueAt - queuedAt);
  }

  /** When the warning goes out: {@code percent} of the budget after queuing. */
  public long warnAt(int percent) {
    return queuedAt + budgetMs() * percent / 100;
  }

  public long leftMs(long now) {
    return dueAt - now;
  }
}
