package io.livedesk.server.routing;

import io.livedesk.protocol.Conversation;
import io.livedesk.server.presence.Agent;
import io.vertx.core.Future;

/**
 * What the dispatcher tells the conversation record. The dispatcher decides; the implementation
 * writes the durable record and tells the participants. Called on the dispatcher's context.
 */
public interface RoutingEvents {

  /** Offered to an agent (exclusively, not a warning). */
  Future<Void> offered(Waiting w, String agentId, long at);

  /** Back to waiting: an offer lapsed or was declined, a transfer to the queue, or the agent was lost. */
  Future<Void> requeued(Waiting w, String reason);

  /**
   * Now held by the agent. {@code slaMet} is true when this settles the first-response SLA in
   * time, false when it was already settled. Answers the conversation as the agent sees it.
   */
  Future<Conversation> assigned(Waiting w, Agent agent, boolean slaMet, long at);

  /** The deadline passed while still waiting. */
  Future<Void> breached(Waiting w, long at);

  /**
   * A slow housekeeping pass run by the active dispatcher only: closes inactive conversations and
   * answers those whose next-response deadline has just passed, for the supervisors.
   */
  Future<java.util.List<Conversation>> housekeeping(long now);
}
