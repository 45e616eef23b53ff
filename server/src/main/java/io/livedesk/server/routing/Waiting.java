package io.livedesk.server.routing;

import com.google.protobuf.InvalidProtocolBufferException;
import io.livedesk.protocol.Conversation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;

/**
 * A conversation the dispatcher routes: in the queue, or held by an agent (so it can return to
 * the queue with its original deadline). Stored in Hazelcast as JSON.
 *
 * @param rank        the tier's rank (0 most urgent), breaking deadline ties
 * @param skill       the skill an agent needs; empty means any agent
 * @param slaPending  whether the first-response SLA is still open (a transfer keeps the deadline, not the timer)
 * @param preferAgent the customer's previous agent, preferred when eligible; may be empty
 * @param tried       agents who declined or let the offer lapse, skipped while others are eligible
 */
public record Waiting(String conversationId, String customerId, String tier, int rank, String skill, Deadline deadline,
                      boolean slaPending, String preferAgent, Conversation conversation, Set<String> tried) {

  /**
   * The more urgent tier first, earliest deadline first within a tier, then arrival. The order
   * only matters while agents are short: earliest deadline first across tiers then delays every
   * tier alike (a normal conversation queued 21 s ago falls due before an urgent one asked now),
   * so at twice the agents' capacity urgent met its 10 s in well under 99 % of conversations
   * (load-tests/bench/dispatch.sh phase b); with the tier first, the less urgent tiers absorb
   * the delay. With agents to spare every conversation is offered at once, whatever the order.
   */
  public static final Comparator<Waiting> DISPATCH_ORDER = Comparator
      .comparingInt(Waiting::rank)
      .thenComparingLong((Waiting w) -> w.deadline().dueAt())
      .thenComparingLong(w -> w.deadline().queuedAt())
      .thenComparing(Waiting::conversationId);

  public Waiting {
    tried = Set.copyOf(tried);
  }

  public Waiting withTried(String agentId) {
    Set<String> t = new HashSet<>(tried);
    t.add(agentId);
    return new Waiting(conversationId, customerId, tier, rank, skill, deadline, slaPending, preferAgent, conversation, t);
  }

  public Waiting withoutTried() {
    return new Waiting(conversationId, customerId, tier, rank, skill, deadline, slaPending, preferAgent, conversation, Set.of());
  }

  public Waiting slaSettled() {
    return new Waiting(conversationId, customerId, tier, rank, skill, deadline, false, preferAgent, conversation, tried);
  }

  public Waiting withConversation(Conversation c) {
    return new Waiting(conversationId, customerId, tier, rank, skill, deadline, slaPending, preferAgent, c, tried);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", conversationId).put("customer", customerId).put("tier", tier).put("rank", rank).put("skill", skill)
        .put("queuedAt", deadline.queuedAt()).put("dueAt", deadline.dueAt()).put("slaPending", slaPending)
        .put("prefer", preferAgent).put("conversation", Base64.getEncoder().encodeToString(conversation.toByteArray()))
        .put("tried", new JsonArray(tried.stream().toList()));
  }

  public static Waiting fromJson(JsonObject j) {
    Conversation c;
    try {
      c = Conversation.parseFrom(Base64.getDecoder().decode(j.getString("conversation", "")));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("corrupt queue entry " + j.getString("id"), e);
    }
    Set<String> tried = new HashSet<>();
    j.getJsonArray("tried", new JsonArray()).forEach(a -> tried.add(a.toString()));
    return new Waiting(j.getString("id"), j.getString("customer"), j.getString("tier"), j.getInteger("rank", 0),
        j.getString("skill", ""), new Deadline(j.getLong("queuedAt"), j.getLong("dueAt")), j.getBoolean("slaPending", true),
        j.getString("prefer", ""), c, tried);
  }
}
