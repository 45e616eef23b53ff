package io.livedesk.server.gateway;

import com.mongodb.client.model.Filters;
import io.livedesk.protocol.CloseConversation;
import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ConversationCursor;
import io.livedesk.protocol.ConversationState;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.HistoryRequest;
import io.livedesk.protocol.Rate;
import io.livedesk.protocol.Read;
import io.livedesk.protocol.Resume;
import io.livedesk.protocol.Send;
import io.livedesk.protocol.Transfer;
import io.livedesk.protocol.Typing;
import io.livedesk.server.Node;
import io.livedesk.server.testing.Desk;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Alice's conversation with her agent, and intruders who know its id: another customer, a viewer,
 * a moderator, and an agent it is not assigned to. Whatever they send about it is refused
 * (NOT_FOUND or FORBIDDEN), changes nothing, and carries none of its content back to them.
 */
class AnotherUsersConversationTest {

  private static final String SECRET_TEXT = "alice-private-words";
  private static final Set<ErrorCode> REFUSALS = Set.of(ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN);

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static final Map<String, String> INTRUDERS = Map.of(
      "bob", "customer", "vera", "viewer", "mo", "moderator", "other-agent", "agent");
  private static Node node;
  private static WsClient alice;
  private static WsClient agent;
  private static String conversationId;
  private static int lastSeq;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("gateway.maxBadFrames", 10_000));
    alice = WsClient.connect(node.port(), Tokens.of("alice", "customer"));
    agent = WsClient.connect(node.port(), Tokens.of("alices-agent", "agent"));
    Desk.online(agent, 1);
    Conversation asked = Desk.ask(alice, "human please: my payment failed at checkout");
    conversationId = asked.getId();
    Desk.accept(agent, Desk.offer(agent));
    Desk.update(alice, conversationId, ConversationState.ACTIVE);
    assertTrue(Desk.send(alice, conversationId, "a-1", SECRET_TEXT).hasAck());
    lastSeq = Desk.send(agent, conversationId, "g-1", "let me look").getAck().getSeq();
  }

  @AfterAll
  static void stop() {
    alice.close();
    agent.close();
    nodes.close();
    client.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"bob", "vera", "mo", "other-agent"})
  void sendingIntoItIsRefusedAndStoresNothing(String intruder) {
    refused(intruder, Frame.newBuilder().setSend(Send.newBuilder().setConversationId(conversationId)
        .setClientMsgId("x-" + intruder).setText("hello from " + intruder)));
    assertEquals(lastSeq, conversation().getInteger("lastSeq"));
    assertTrue(messages().stream().noneMatch(m -> intruder.equals(m.getString("senderId"))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bob", "vera", "mo", "other-agent"})
  void readingItsHistoryIsRefused(String intruder) {
    refused(intruder, Frame.newBuilder().setHistory(HistoryRequest.newBuilder().setConversationId(conversationId)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bob", "vera", "mo", "other-agent"})
  void resumingItIsRefusedWithoutAMessage(String intruder) {
    refused(intruder, Frame.newBuilder().setResume(Resume.newBuilder().addCursors(
        ConversationCursor.newBuilder().setConversationId(conversationId).setLastSeq(0))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bob", "vera", "mo", "other-agent"})
  void typingAndReadReceiptsIntoItAreRefused(String intruder) {
    refused(intruder, Frame.newBuilder().setTyping(Typing.newBuilder().setConversationId(conversationId).setTyping(true)));
    refused(intruder, Frame.newBuilder().setRead(Read.newBuilder().setConversationId(conversationId).setSeq(lastSeq)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bob", "vera", "mo", "other-agent"})
  void closingItIsRefusedAndItStaysOpen(String intruder) {
    refused(intruder, Frame.newBuilder().setClose(CloseConversation.newBuilder().setConversationId(conversationId)
        .setResolved(true)));
    assertEquals(ConversationState.ACTIVE.name(), conversation().getString("state"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bob", "vera", "mo", "other-agent"})
  void ratingItIsRefused(String intruder) {
    refused(intruder, Frame.newBuilder().setRate(Rate.newBuilder().setConversationId(conversationId).setStars(1)));
    assertFalse(conversation().containsKey("rating"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bob", "vera", "mo", "other-agent"})
  void transferringItIsRefusedAndItsAgentKeepsIt(String intruder) {
    refused(intruder, Frame.newBuilder().setTransfer(Transfer.newBuilder().setConversationId(conversationId)
        .setToAgentId("accomplice")));
    assertEquals("alices-agent", conversation().getString("agentId"));
  }

  @Test
  void anAgentItIsNotOfferedToCannotAcceptIt() {
    // CONFLICT too: that it is not waiting is all the refusal says.
    refused("other-agent", Frame.newBuilder().setAccept(io.livedesk.protocol.AcceptOffer.newBuilder()
        .setConversationId(conversationId)), Set.of(ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN, ErrorCode.CONFLICT));
    assertEquals("alices-agent", conversation().getString("agentId"));
  }

  /** The control: the same requests from its own customer and agent are answered with its content. */
  @Test
  void itsCustomerAndAgentReadItsHistory() {
    for (WsClient participant : List.of(alice, agent)) {
      Frame page = participant.request(Frame.newBuilder().setHistory(HistoryRequest.newBuilder().setConversationId(conversationId)));
      assertTrue(page.getHistoryPage().getMessagesList().stream().anyMatch(m -> m.getText().equals(SECRET_TEXT)), page::toString);
    }
  }

  /**
   * Sends the frame as the intruder and checks the answer is a refusal; everything the intruder
   * received up to it (the answer included) must say nothing of the conversation.
   */
  private static void refused(String intruder, Frame.Builder frame) {
    refused(intruder, frame, REFUSALS);
  }

  private static void refused(String intruder, Frame.Builder frame, Set<ErrorCode> refusals) {
    try (WsClient c = WsClient.connect(node.port(), Tokens.of(intruder, INTRUDERS.get(intruder)))) {
      String id = c.send(frame);
      List<Frame> seen = new ArrayList<>();
      Frame reply;
      do {
        reply = c.await(f -> true);
        seen.add(reply);
      } while (!reply.getReplyTo().equals(id));
      Frame answer = reply;
      assertTrue(refusals.contains(answer.getError().getCode()), () -> intruder + " was not refused: " + answer);
      for (Frame f : seen) {
        String text = f.toString();
        assertFalse(text.contains(SECRET_TEXT) || text.contains("alice") || f.hasMessage() || f.hasHistoryPage()
            || f.hasConversation(), () -> intruder + " learnt about the conversation: " + f);
      }
    }
  }

  private static Document conversation() {
    return await(node.store().first(node.store().collection("conversations").find(Filters.eq("_id", conversationId))));
  }

  private static List<Document> messages() {
    return await(node.store().all(node.store().collection("messages").find(Filters.eq("conversationId", conversationId))));
  }

  private static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
