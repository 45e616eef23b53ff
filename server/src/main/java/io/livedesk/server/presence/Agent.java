package io.livedesk.server.presence;

import io.livedesk.protocol.AgentStatus;
import io.livedesk.protocol.AgentView;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.server.routing.Waiting;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One agent's presence, shared by all their consoles: status, capacity, skills, the
 * conversations they hold and the nodes their consoles are on. Owned by the dispatcher, which is
 * its only writer; mirrored to Hazelcast by {@link Roster}.
 */
public final class Agent {

  private final String id;
  private String name;
  private PresenceStatus status = PresenceStatus.OFFLINE;
  private int capacity;
  private Set<String> skills = Set.of();
  private final Map<String, Waiting> active = new LinkedHashMap<>();
  private final Map<String, Integer> consoles = new HashMap<>();
  private long goneSince;

  public Agent(String id) {
    this.id = id;
    this.name = id;
  }

  public String id() {
    return id;
  }

  public String name() {
    return name;
  }

  public PresenceStatus status() {
    return status;
  }

  public int capacity() {
    return capacity;
  }

  public Map<String, Waiting> active() {
    return active;
  }

  /** An agent listing no skills takes every intent; otherwise the skill must be listed. */
  public boolean hasSkill(String skill) {
    return skill == null || skill.isEmpty() || skills.isEmpty() || skills.contains(skill);
  }

  public void setStatus(PresenceStatus status, int capacity, Set<String> skills, String name) {
    this.status = status;
    this.capacity = capacity;
    this.skills = Set.copyOf(skills);
    if (name != null && !name.isBlank()) {
      this.name = name;
    }
  }

  public void goOffline() {
    status = PresenceStatus.OFFLINE;
  }

  /** Records how many consoles the agent has on a node (0 removes the node). */
  public void consoles(String node, int count, long now) {
    if (count > 0) {
      consoles.put(node, count);
      goneSince = 0;
    } else if (consoles.remove(node) != null && consoles.isEmpty()) {
      goneSince = now;
    }
  }

  /** Forgets the consoles on nodes that left the cluster or stopped reporting. */
  public void forgetNodes(Set<String> gone, long now) {
    if (consoles.keySet().removeAll(gone) && consoles.isEmpty()) {
      goneSince = now;
    }
  }

  /**
   * Known to hold conversations but not seen on any node (rebuilt from the record after a
   * restart): counted as gone from now unless a console reports in.
   */
  public void missingSince(long now) {
    if (consoles.isEmpty() && goneSince == 0) {
      goneSince = now;
    }
  }

  public Set<String> nodes() {
    return consoles.keySet();
  }

  /** Since when the agent has had no console anywhere; 0 while they have one. */
  public long goneSince() {
    return goneSince;
  }

  public AgentStatus toStatus() {
    return AgentStatus.newBuilder().setAgentId(id).setDisplayName(name).setStatus(status).setCapacity(capacity)
        .addAllSkills(skills).setActive(active.size()).build();
  }

  public AgentView toView() {
    return AgentView.newBuilder().setAgentId(id).setName(name).setStatus(status).setCapacity(capacity)
        .setActive(active.size()).addAllSkills(skills).setNodeId(String.join(",", consoles.keySet())).build();
  }

  public JsonObject toJson() {
    JsonObject held = new JsonObject();
    active.forEach((cid, w) -> held.put(cid, w.toJson()));
    return new JsonObject().put("id", id).put("name", name).put("status", status.name()).put("capacity", capacity)
        .put("skills", new JsonArray(skills.stream().toList())).put("active", held)
        .put("consoles", new JsonObject(new HashMap<>(consoles))).put("goneSince", goneSince);
  }

  public static Agent fromJson(JsonObject j) {
    Agent a = new Agent(j.getString("id"));
    Set<String> skills = new LinkedHashSet<>();
    j.getJsonArray("skills", new JsonArray()).forEach(s -> skills.add(s.toString()));
    a.setStatus(PresenceStatus.valueOf(j.getString("status", "OFFLINE")), j.getInteger("capacity", 0), skills,
        j.getString("name"));
    j.getJsonObject("active", new JsonObject()).forEach(e -> a.active.put(e.getKey(), Waiting.fromJson((JsonObject) e.getValue())));
    j.getJsonObject("consoles", new JsonObject()).forEach(e -> a.consoles.put(e.getKey(), ((Number) e.getValue()).intValue()));
    a.goneSince = j.getLong("goneSince", 0L);
    return a;
  }
}
