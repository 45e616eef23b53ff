package io.livedesk.server.routing;

import io.livedesk.protocol.AgentStatus;
import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.PresenceStatus;

import java.util.List;
import java.util.Map;

/**
 * What nodes and the active dispatcher say to each other: typed requests and their answers,
 * carried by one codec ({@link DispatchCodec}). A request says whether repeating it is harmless,
 * which decides how {@link DispatcherClient} may retry it.
 */
public sealed interface DispatchMessage {

  /** A request to the dispatcher. */
  sealed interface Request extends DispatchMessage {
    /** Whether applying it twice does no harm, so a timed-out request may be sent again. */
    default boolean idempotent() {
      return false;
    }
  }

  /** A conversation joins (or, with a raised tier, re-joins) the queue. */
  record Enqueue(Waiting entry) implements Request {
    public boolean idempotent() {
      return true;
    }
  }

  /**
   * The conversation was closed: out of the queue, its offer withdrawn, its agent's seat freed,
   * whatever state the closer saw (a close racing an accept may have seen it still waiting).
   */
  record Closed(String conversationId) implements Request {
    public boolean idempotent() {
      return true;
    }
  }

  record Accept(String agentId, String offerId, String conversationId) implements Request {
  }

  record Decline(String agentId, String offerId) implements Request {
  }

  /** To another agent, or back to the queue when {@code toAgent} is empty. */
  record Transfer(String conversationId, String fromAgent, String toAgent) implements Request {
  }

  /** A supervisor hands a waiting conversation to an agent. */
  record Assign(String conversationId, String agentId) implements Request {
  }

  /** An agent's status from one of their consoles, with how many consoles they have on that node. */
  record SetStatus(String agentId, PresenceStatus status, int capacity, List<String> skills, String name, String node,
                   int consoles) implements Request {
    public SetStatus {
      skills = List.copyOf(skills);
    }

    public boolean idempotent() {
      return true;
    }
  }

  /** The agent's consoles on a node changed (0: none left there). */
  record Consoles(String agentId, String node, int count) implements Request {
  }

  /** A node's periodic report of its agents' consoles. */
  record Heartbeat(String node, Map<String, Integer> consoles) implements Request {
    public Heartbeat {
      consoles = Map.copyOf(consoles);
    }
  }

  record Watch(String supervisorId, boolean on) implements Request {
    public boolean idempotent() {
      return true;
    }
  }

  /** An answer. */
  sealed interface Reply extends DispatchMessage {
  }

  record Done() implements Reply {
  }

  /** The conversation as its new agent sees it. */
  record Assigned(Conversation conversation) implements Reply {
  }

  /** The agent's presence after the change. */
  record StatusNow(AgentStatus status) implements Reply {
  }
}
