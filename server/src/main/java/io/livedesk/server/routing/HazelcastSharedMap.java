package io.livedesk.server.routing;

import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.util.HashMap;
import java.util.Map;

/** A {@link SharedMap} on a Hazelcast map; answers on the dispatcher's context. */
public final class HazelcastSharedMap implements SharedMap {

  private final IMap<String, String> map;
  private final Context context;

  public HazelcastSharedMap(IMap<String, String> map, Context context) {
    this.map = map;
    this.context = context;
  }

  @Override
  public Future<Map<String, String>> readAll() {
    // Copying a distributed map is a blocking call: a worker does it, never the event loop.
    return context.owner().executeBlocking(() -> new HashMap<>(map));
  }

  @Override
  public Future<Void> put(String key, String value) {
    return Future.fromCompletionStage(map.setAsync(key, value), context);
  }

  @Override
  public Future<Void> remove(String key) {
    return Future.fromCompletionStage(map.deleteAsync(key), context).mapEmpty();
  }
}
