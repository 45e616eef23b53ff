package io.livedesk.server.routing;

import io.livedesk.protocol.SlaAlertKind;
import io.livedesk.server.presence.Agent;
import io.livedesk.protocol.PresenceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The slow safety tick and what it sweeps: nodes that left or fell silent, agents with no
 * console left (their conversations go back with their original deadlines), agents who passed
 * on a conversation nobody else can take, shared copies behind after failed writes, and the
 * record's housekeeping. Dispatch itself is event-driven; the tick only catches up.
 */
final class Sweeps {

  private static final Logger log = LoggerFactory.getLogger(Sweeps.class);

  private final Routing routing;
  private final Supplier<Set<String>> members;
  private final Map<String, Long> nodeSeen = new HashMap<>();
  private boolean housekeeping;

  Sweeps(Routing routing, Supplier<Set<String>> members) {
    this.routing = routing;
    this.members = members;
  }

  /** Every current member counts as just seen: it has had no chance to report to this dispatcher yet. */
  void start() {
    long now = routing.timers.now();
    members.get().forEach(m -> nodeSeen.put(m, now));
    nodes();
  }

  void tick() {
    long now = routing.timers.now();
    nodes();
    for (Agent a : new ArrayList<>(routing.roster.all())) {
      if (a.nodes().isEmpty() && a.goneSince() > 0 && now - a.goneSince() >= routing.presenceConfig.timeoutMs()) {
        agentLost(a);
      }
    }
    // Agents who passed on a conversation are asked again once nobody else can take it.
    for (Waiting w : routing.queue.inOrder()) {
      if (!w.tried().isEmpty() && routing.offers.forConversation(w.conversationId()) == null && routing.offers.pick(w) == null) {
        routing.queue.put(w.withoutTried());
      }
    }
    routing.queue.resync();
    routing.roster.resync();
    routing.offers.resync();
    routing.recovery.retry();
    if (!housekeeping) {
      // One pass at a time: a slow store must not pile passes up.
      housekeeping = true;
      routing.events.housekeeping(now)
          .onSuccess(late -> late.forEach(c -> routing.supervision.alert(SlaAlertKind.BREACH, c)))
          .onFailure(e -> log.warn("housekeeping failed", e))
          .onComplete(ar -> housekeeping = false);
    }
    routing.dispatch();
  }

  /** A node's report of its connected agents: keeps them present, and notices consoles that vanished. */
  void heartbeat(String node, Map<String, Integer> counts) {
    long now = routing.timers.now();
    nodeSeen.put(node, now);
    boolean changed = false;
    for (Agent agent : routing.roster.all()) {
      int reported = counts.getOrDefault(agent.id(), 0);
      boolean listed = agent.nodes().contains(node);
      if (reported > 0 != listed) {
        agent.consoles(node, reported, now);
        routing.roster.save(agent);
        changed = true;
      }
    }
    if (changed) {
      routing.dispatch();
    }
  }

  /** Forgets nodes that left the cluster or stopped reporting. */
  void nodes() {
    long now = routing.timers.now();
    Set<String> current = members.get();
    Set<String> gone = new HashSet<>();
    nodeSeen.forEach((node, seen) -> {
      if (!current.contains(node) || now - seen > routing.presenceConfig.timeoutMs()) {
        gone.add(node);
      }
    });
    routing.roster.all().forEach(a -> a.nodes().stream().filter(n -> !current.contains(n)).forEach(gone::add));
    if (gone.isEmpty()) {
      return;
    }
    gone.forEach(nodeSeen::remove);
    for (Agent a : new ArrayList<>(routing.roster.all())) {
      boolean had = a.nodes().stream().anyMatch(gone::contains);
      a.forgetNodes(gone, now);
      if (had && a.nodes().isEmpty()) {
        agentLost(a);
      } else if (had) {
        routing.roster.save(a);
      }
    }
  }

  /** The agent has no console anywhere: offline, and their conversations go back with their original deadlines. */
  void agentLost(Agent a) {
    if (a.status() == PresenceStatus.OFFLINE && a.active().isEmpty()) {
      return;
    }
    log.info("agent {} lost; re-queuing {} conversations", a.id(), a.active().size());
    a.goOffline();
    routing.offers.toAgent(a.id()).forEach(o -> routing.offers.lapse(o, "agent offline"));
    // Back in dispatch order: urgent first.
    List<Waiting> held = new ArrayList<>(a.active().values());
    held.sort(Waiting.DISPATCH_ORDER);
    held.forEach(w -> routing.roster.letGo(a, w.conversationId()));
    routing.roster.save(a);
    held.forEach(w -> routing.requeue(w.withTried(a.id()), "agent offline"));
    routing.dispatch();
  }
}
