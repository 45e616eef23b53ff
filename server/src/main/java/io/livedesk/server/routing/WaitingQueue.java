package io.livedesk.server.routing;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The waiting conversations, most urgent tier first, then earliest deadline. The dispatcher keeps
 * the order in memory and writes every change through a {@link Mirror}, which a new dispatcher
 * reads back when it takes over. Used only on the dispatcher's context.
 */
public final class WaitingQueue {

  private final Mirror<Waiting> entries;
  private final TreeSet<Waiting> ordered = new TreeSet<>(Waiting.DISPATCH_ORDER);

  public WaitingQueue(SharedMap shared) {
    this.entries = new Mirror<>("queue", shared, w -> w.toJson().encode(), json -> Waiting.fromJson(new JsonObject(json)));
  }

  /** Reads the shared queue, replacing what is in memory. */
  public Future<Void> load() {
    return entries.load().map(all -> {
      ordered.clear();
      ordered.addAll(all.values());
      return null;
    });
  }

  public Future<Void> put(Waiting w) {
    Waiting old = entries.get(w.conversationId());
    if (old != null) {
      ordered.remove(old);
    }
    ordered.add(w);
    return entries.put(w.conversationId(), w);
  }

  public Future<Waiting> remove(String conversationId) {
    Waiting w = entries.get(conversationId);
    if (w != null) {
      ordered.remove(w);
    }
    return entries.remove(conversationId);
  }

  public Waiting get(String conversationId) {
    return entries.get(conversationId);
  }

  public boolean contains(String conversationId) {
    return entries.get(conversationId) != null;
  }

  /** A snapshot in dispatch order. */
  public List<Waiting> inOrder() {
    return new ArrayList<>(ordered);
  }

  /** The live order, for a pass that changes nothing in the queue while it runs. */
  Iterable<Waiting> ordered() {
    return ordered;
  }

  public int size() {
    return entries.size();
  }

  public void resync() {
    entries.resync();
  }
}
