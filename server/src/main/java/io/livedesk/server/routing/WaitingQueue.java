package io.livedesk.server.routing;

import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The waiting conversations, most urgent tier first, then earliest deadline. The dispatcher keeps the order in memory
 * and writes every change through to a Hazelcast map (with a backup), which a new dispatcher
 * reads back when it takes over. Used only on the dispatcher's context.
 */
public final class WaitingQueue {

  private final IMap<String, String> shared;
  private final Context context;
  private final Map<String, Waiting> byId = new HashMap<>();
  private final TreeSet<Waiting> ordered = new TreeSet<>(Waiting.DISPATCH_ORDER);

  public WaitingQueue(IMap<String, String> shared, Context context) {
    this.shared = shared;
    this.context = context;
  }

  /** Reads the shared queue (blocking call, run on a worker), replacing what is in memory. */
  public Future<Void> load() {
    return context.owner().executeBlocking(() -> new HashMap<>(shared))
        .map(all -> {
          byId.clear();
          ordered.clear();
          all.values().forEach(json -> remember(Waiting.fromJson(new JsonObject(json))));
          return null;
        });
  }

  public Future<Void> put(Waiting w) {
    Waiting old = byId.get(w.conversationId());
    if (old != null) {
      ordered.remove(old);
    }
    remember(w);
    return Future.fromCompletionStage(shared.setAsync(w.conversationId(), w.toJson().encode()), context);
  }

  public Future<Waiting> remove(String conversationId) {
    Waiting w = byId.remove(conversationId);
    if (w == null) {
      return Future.succeededFuture();
    }
    ordered.remove(w);
    return Future.fromCompletionStage(shared.deleteAsync(conversationId), context).map(w);
  }

  public Waiting get(String conversationId) {
    return byId.get(conversationId);
  }

  /** A snapshot in dispatch order. */
  public List<Waiting> inOrder() {
    return new ArrayList<>(ordered);
  }

  public int size() {
    return byId.size();
  }

  private void remember(Waiting w) {
    byId.put(w.conversationId(), w);
    ordered.add(w);
  }
}
