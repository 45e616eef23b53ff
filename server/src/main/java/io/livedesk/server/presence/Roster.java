package io.livedesk.server.presence;

import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Every agent's presence, in memory on the dispatcher and written through to a Hazelcast map
 * (with a backup) that a new dispatcher reads back. Used only on the dispatcher's context.
 */
public final class Roster {

  private final IMap<String, String> shared;
  private final Context context;
  private final Map<String, Agent> agents = new HashMap<>();

  public Roster(IMap<String, String> shared, Context context) {
    this.shared = shared;
    this.context = context;
  }

  public Future<Void> load() {
    return context.owner().executeBlocking(() -> new HashMap<>(shared))
        .map(all -> {
          agents.clear();
          all.values().forEach(json -> {
            Agent a = Agent.fromJson(new JsonObject(json));
            agents.put(a.id(), a);
          });
          return null;
        });
  }

  public Agent get(String agentId) {
    return agents.get(agentId);
  }

  public Agent getOrCreate(String agentId) {
    return agents.computeIfAbsent(agentId, Agent::new);
  }

  public Collection<Agent> all() {
    return agents.values();
  }

  /** Writes the agent's current state through to the shared map. */
  public Future<Void> save(Agent agent) {
    return Future.fromCompletionStage(shared.setAsync(agent.id(), agent.toJson().encode()), context);
  }
}
