package io.livedesk.server.routing;

import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.QueueEntry;
import io.livedesk.protocol.SlaAlert;
import io.livedesk.protocol.SlaAlertKind;
import io.livedesk.protocol.SupervisorView;
import io.livedesk.protocol.TierStats;
import io.livedesk.server.presence.Agent;
import io.vertx.core.Future;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.TreeMap;

/**
 * The supervisors watching the live view, mirrored to a shared map so a new dispatcher knows
 * them; what they are sent: the view and SLA alerts. Used on the dispatcher's context.
 */
final class Supervision {

  private final Mirror<String> watching;
  private final BiConsumer<String, Frame> toUser;

  Supervision(SharedMap shared, BiConsumer<String, Frame> toUser) {
    this.watching = new Mirror<>("supervisors", shared, v -> v, v -> v);
    this.toUser = toUser;
  }

  Future<Void> load() {
    return watching.load().mapEmpty();
  }

  Future<Void> watch(String supervisorId, boolean on) {
    return on ? watching.put(supervisorId, "1") : watching.remove(supervisorId).mapEmpty();
  }

  void alert(SlaAlertKind kind, Conversation conversation) {
    send(Frame.newBuilder().setSlaAlert(SlaAlert.newBuilder().setKind(kind).setConversation(conversation)
        .setAt(System.currentTimeMillis())).build());
  }

  /** The queue per tier with age and time left, the agents with status and load, SLA attainment, viewers per room. */
  void pushView(List<Waiting> queue, Collection<Agent> agents, SlaCounts sla, Map<String, Integer> viewersByRoom) {
    if (watching.size() == 0) {
      return;
    }
    long now = System.currentTimeMillis();
    SupervisorView.Builder view = SupervisorView.newBuilder().setAt(now);
    Map<String, Integer> waitingByTier = new TreeMap<>();
    for (Waiting w : queue) {
      view.addQueue(QueueEntry.newBuilder().setConversation(w.conversation())
          .setAgeMs(now - w.deadline().queuedAt()).setTimeLeftMs(w.deadline().leftMs(now)));
      waitingByTier.merge(w.tier(), 1, Integer::sum);
    }
    agents.stream().sorted(Comparator.comparing(Agent::id)).forEach(a -> view.addAgents(a.toView()));
    Set<String> tiers = new LinkedHashSet<>(waitingByTier.keySet());
    tiers.addAll(sla.tiers());
    for (String tier : tiers) {
      view.addTiers(TierStats.newBuilder().setTier(tier).setWaiting(waitingByTier.getOrDefault(tier, 0))
          .setMet(sla.metCount(tier)).setBreached(sla.breachedCount(tier)).setAttainment(sla.attainment(tier))
          .setFirstResponseP50Ms(sla.firstResponseP50(tier)));
    }
    view.putAllViewersByRoom(viewersByRoom);
    send(Frame.newBuilder().setSupervisorView(view).build());
  }

  private void send(Frame frame) {
    watching.keys().forEach(s -> toUser.accept(s, frame));
  }
}
