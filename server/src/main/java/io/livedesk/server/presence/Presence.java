package io.livedesk.server.presence;

import io.livedesk.protocol.AgentStatus;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameException;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.server.auth.Principal;
import io.livedesk.server.auth.Role;
import io.livedesk.server.gateway.Delivery;
import io.livedesk.server.gateway.FrameRouter;
import io.livedesk.server.gateway.Session;
import io.livedesk.server.gateway.SessionEvents;
import io.livedesk.server.routing.DispatchMessage;
import io.livedesk.server.routing.DispatcherClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's side of agent presence: counts the consoles each agent has open here, reports
 * them to the dispatcher on every change and in a heartbeat, and takes status changes. All
 * consoles of an agent, on any node, share the one presence the dispatcher keeps.
 */
public final class Presence {

  private static final int MAX_CAPACITY = 100;
  private static final int MAX_SKILLS = 50;

  private final String nodeId;
  private final DispatcherClient dispatcher;
  private final Delivery delivery;
  private final Map<String, Integer> consoles = new ConcurrentHashMap<>();

  public Presence(Vertx vertx, String nodeId, DispatcherClient dispatcher, Delivery delivery, PresenceConfig config,
                  SessionEvents events) {
    this.nodeId = nodeId;
    this.dispatcher = dispatcher;
    this.delivery = delivery;
    events.onOpened(s -> {
      if (isAgent(s.principal())) {
        consoles.merge(s.userId(), 1, Integer::sum);
      }
    });
    events.onClosed(s -> {
      if (isAgent(s.principal())) {
        Integer left = consoles.computeIfPresent(s.userId(), (u, n) -> n <= 1 ? null : n - 1);
        dispatcher.tell(new DispatchMessage.Consoles(s.userId(), nodeId, left == null ? 0 : left));
      }
    });
    vertx.setPeriodic(config.heartbeatMs(), id -> dispatcher.tell(new DispatchMessage.Heartbeat(nodeId, Map.copyOf(consoles))));
  }

  public void register(FrameRouter frames) {
    frames.register(Frame.BodyCase.AGENT_STATUS, Set.of(Role.AGENT), this::status);
  }

  private Future<Frame.Builder> status(Session session, Frame frame) {
    AgentStatus s = frame.getAgentStatus();
    if (s.getStatus() == PresenceStatus.PRESENCE_STATUS_UNSPECIFIED || s.getStatus() == PresenceStatus.UNRECOGNIZED) {
      return Future.failedFuture(new FrameException(ErrorCode.INVALID_ARGUMENT, "status must be online, away or offline"));
    }
    if (s.getCapacity() > MAX_CAPACITY || (s.getStatus() == PresenceStatus.ONLINE && s.getCapacity() == 0)) {
      return Future.failedFuture(new FrameException(ErrorCode.INVALID_ARGUMENT,
          "capacity must be 1 to " + MAX_CAPACITY + " when going online"));
    }
    if (s.getSkillsCount() > MAX_SKILLS) {
      return Future.failedFuture(new FrameException(ErrorCode.INVALID_ARGUMENT, "at most " + MAX_SKILLS + " skills"));
    }
    String agentId = session.userId();
    DispatchMessage.SetStatus change = new DispatchMessage.SetStatus(agentId, s.getStatus(), s.getCapacity(), s.getSkillsList(),
        s.getDisplayName().isBlank() ? session.principal().name() : s.getDisplayName(), nodeId,
        Math.max(1, consoles.getOrDefault(agentId, 0)));
    return dispatcher.ask(change).map(reply -> {
      AgentStatus now = ((DispatchMessage.StatusNow) reply).status();
      // The agent's other consoles follow the change.
      delivery.toUser(agentId, Frame.newBuilder().setAgentStatus(now).build());
      return Frame.newBuilder().setAgentStatus(now);
    });
  }

  private static boolean isAgent(Principal p) {
    return p != null && p.has(Role.AGENT);
  }
}
