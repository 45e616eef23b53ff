package io.livedesk.server.routing;

import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ConversationState;
import io.livedesk.server.presence.Agent;
import io.vertx.core.Future;

import java.util.List;

/**
 * What the dispatcher tells the conversation record (MongoDB, the record of truth), and what it
 * reads back from it when it takes over. The dispatcher decides; the implementation writes the
 * durable record and tells the participants. Called on the dispatcher's context.
 */
public interface RoutingEvents {

  /** Offered to an agent (exclusively, not a warning). Answers false when it is no longer waiting (closed meanwhile). */
  Future<Boolean> offered(Waiting w, String agentId, long at);

  /**
   * Back to waiting: an offer lapsed or was declined, a transfer to the queue, the agent was
   * lost, or an offer a dispatcher lost. Answers false when the conversation is closed.
   */
  Future<Boolean> requeued(Waiting w, String reason);

  /**
   * Now held by the agent: taken from the queue when {@code fromAgent} is empty, else transferred
   * from that agent. {@code slaMet} is true when this settles the first-response SLA in time,
   * false when it was already settled. Answers the conversation as the agent sees it; fails with
   * CONFLICT when the record is not as that assumes (closed meanwhile, or a stale write).
   */
  Future<Conversation> assigned(Waiting w, Agent agent, String fromAgent, boolean slaMet, long at);

  /** The deadline passed while still waiting. Answers true when this recorded the breach, false when an outcome was already on record. */
  Future<Boolean> breached(Waiting w, long at);

  /**
   * A slow housekeeping pass run by the active dispatcher only: closes inactive conversations and
   * answers those whose next-response deadline has just passed, for the supervisors.
   */
  Future<List<Conversation>> housekeeping(long now);

  /** Every conversation waiting, offered or held by an agent, as recorded: what a new dispatcher rebuilds from. */
  Future<List<Routed>> routable();

  /** One recorded conversation: its queue entry (original deadline and SLA state), its state and its agent when held. */
  record Routed(Waiting entry, ConversationState state, String agentId) {
  }
}
