package io.livedesk.server.presence;

import io.livedesk.server.routing.Mirror;
import io.livedesk.server.routing.SharedMap;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Every agent's presence, in memory on the dispatcher and written through a mirror to a shared
 * map (Hazelcast, with a backup) that a new dispatcher reads back. Also answers who holds a
 * conversation, so a close finds its agent whatever the close was told. Used only on the
 * dispatcher's context.
 */
public final class Roster {

  private final Mirror<Agent> agents;
  /** Conversation id to the agent holding it; kept by {@link #hold} and {@link #letGo}. */
  private final Map<String, String> holder = new HashMap<>();

  public Roster(SharedMap shared) {
    this.agents = new Mirror<>("roster", shared, a -> a.toJson().encode(), json -> Agent.fromJson(new JsonObject(json)));
  }

  public Future<Void> load() {
    return agents.load().map(all -> {
      holder.clear();
      all.values().forEach(a -> a.active().keySet().forEach(cid -> holder.put(cid, a.id())));
      return null;
    });
  }

  public Agent get(String agentId) {
    return agents.get(agentId);
  }

  public Agent getOrCreate(String agentId) {
    Agent a = agents.get(agentId);
    if (a == null) {
      a = new Agent(agentId);
      agents.put(agentId, a);
    }
    return a;
  }

  public Collection<Agent> all() {
    return agents.values();
  }

  /** The agent holding the conversation, or null. */
  public Agent holderOf(String conversationId) {
    String id = holder.get(conversationId);
    return id == null ? null : agents.get(id);
  }

  /** The agent now holds the conversation (in memory; {@link #save} writes it through). */
  public void hold(Agent agent, io.livedesk.server.routing.Waiting w) {
    Agent before = holderOf(w.conversationId());
    if (before != null && before != agent) {
      before.active().remove(w.conversationId());
    }
    agent.active().put(w.conversationId(), w);
    holder.put(w.conversationId(), agent.id());
  }

  /** The agent no longer holds the conversation; answers whether they did. */
  public boolean letGo(Agent agent, String conversationId) {
    boolean had = agent.active().remove(conversationId) != null;
    holder.remove(conversationId, agent.id());
    return had;
  }

  /** Writes the agent's current state through to the shared map; fails when the shared copy did not take it. */
  public Future<Void> save(Agent agent) {
    return agents.save(agent.id());
  }

  public void resync() {
    agents.resync();
  }
}
