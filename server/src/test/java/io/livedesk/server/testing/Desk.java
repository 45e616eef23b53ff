package io.livedesk.server.testing;

import io.livedesk.protocol.AcceptOffer;
import io.livedesk.protocol.AgentStatus;
import io.livedesk.protocol.Ask;
import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ConversationState;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Offer;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.protocol.Send;


import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What customers and agents do in these tests, one line each. Each waits for its answer without
 * losing the frames that race it (offers, messages, updates).
 */
public final class Desk {

  private Desk() {
  }

  /** Asks and answers the conversation as created. */
  public static Conversation ask(WsClient customer, String text) {
    Frame reply = customer.requestKeepingOthers(Frame.newBuilder().setAsk(Ask.newBuilder().setText(text).setRoomId("room-1")));
    assertTrue(reply.hasConversation(), () -> "ask was answered with " + reply);
    return reply.getConversation().getConversation();
  }

  public static AgentStatus status(WsClient agent, PresenceStatus status, int capacity, String... skills) {
    Frame reply = agent.requestKeepingOthers(Frame.newBuilder().setAgentStatus(AgentStatus.newBuilder().setStatus(status)
        .setCapacity(capacity).addAllSkills(java.util.List.of(skills))));
    assertTrue(reply.hasAgentStatus(), () -> "agent status was answered with " + reply);
    return reply.getAgentStatus();
  }

  public static AgentStatus online(WsClient agent, int capacity, String... skills) {
    return status(agent, PresenceStatus.ONLINE, capacity, skills);
  }

  /** The next exclusive (not warning) offer. */
  public static Offer offer(WsClient agent) {
    return agent.await(f -> f.hasOffer() && !f.getOffer().getWarning()).getOffer();
  }

  public static Offer offer(WsClient agent, Duration timeout) {
    return agent.await(f -> f.hasOffer() && !f.getOffer().getWarning(), timeout).getOffer();
  }

  public static Conversation accept(WsClient agent, Offer offer) {
    Frame reply = agent.requestKeepingOthers(Frame.newBuilder().setAccept(AcceptOffer.newBuilder().setOfferId(offer.getOfferId())
        .setConversationId(offer.getConversation().getId())));
    assertTrue(reply.hasConversation(), () -> "accept was answered with " + reply);
    return reply.getConversation().getConversation();
  }

  public static Frame send(WsClient who, String conversationId, String clientMsgId, String text) {
    return who.requestKeepingOthers(Frame.newBuilder().setSend(Send.newBuilder().setConversationId(conversationId)
        .setClientMsgId(clientMsgId).setText(text)));
  }

  /** Waits for an update of the conversation in the given state. */
  public static Conversation update(WsClient who, String conversationId, ConversationState state) {
    return who.await(f -> f.hasConversation() && f.getConversation().getConversation().getId().equals(conversationId)
        && f.getConversation().getConversation().getState() == state).getConversation().getConversation();
  }

  public static Frame close(WsClient who, String conversationId) {
    return who.requestKeepingOthers(Frame.newBuilder().setClose(io.livedesk.protocol.CloseConversation.newBuilder()
        .setConversationId(conversationId)));
  }
}
