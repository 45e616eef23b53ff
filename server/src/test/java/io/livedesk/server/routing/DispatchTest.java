package io.livedesk.server.routing;

import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ConversationState;
import io.livedesk.protocol.DeclineOffer;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Offer;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.protocol.SlaAlertKind;
import io.livedesk.protocol.SlaOutcome;
import io.livedesk.protocol.SupervisorWatch;
import io.livedesk.protocol.Transfer;
import io.livedesk.server.Node;
import io.livedesk.server.testing.Desk;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dispatcher on one node, with budgets and the offer timeout made short. Each test leaves no
 * agent online and no conversation waiting, so the next one starts clean.
 */
class DispatchTest {

  private static final TestNodes nodes = new TestNodes();
  private static Node node;
  private final List<WsClient> open = new ArrayList<>();

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("routing.offerTimeoutMs", 1500,
        "routing.tiers", "urgent=3,normal=6,low=20"));
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @AfterEach
  void cleanUp() {
    open.forEach(WsClient::close);
    open.clear();
  }

  private WsClient connect(String user, String role) {
    WsClient c = WsClient.connect(node.port(), Tokens.of(user, role));
    open.add(c);
    return c;
  }

  private void offline(WsClient agent) {
    Desk.status(agent, PresenceStatus.OFFLINE, 0);
  }

  @Test
  void anUrgentConversationArrivingAfterANormalOneIsServedFirst() {
    WsClient first = connect("edf-normal", "customer");
    WsClient second = connect("edf-urgent", "customer");
    WsClient agent = connect("edf-agent", "agent");
    Conversation normal = Desk.ask(first, "human please: what size should I take");
    Conversation urgent = Desk.ask(second, "human please: my payment failed at checkout");
    assertEquals("normal", normal.getTier());
    assertEquals("urgent", urgent.getTier());
    Desk.online(agent, 1);
    assertEquals(urgent.getId(), Desk.offer(agent).getConversation().getId());
    offline(agent);
    Desk.close(first, normal.getId());
    Desk.close(second, urgent.getId());
  }

  @Test
  void anOfferNotAcceptedInTimeMovesOnToTheNextAgent() {
    WsClient customer = connect("to-cust", "customer");
    WsClient a = connect("to-agent-a", "agent");
    WsClient b = connect("to-agent-b", "agent");
    Desk.online(a, 1);
    Desk.online(b, 1);
    Conversation asked = Desk.ask(customer, "human please: where is my parcel");
    // The least loaded agents tie; the dispatcher breaks ties by id, so a is asked first.
    Offer toA = Desk.offer(a);
    assertEquals(asked.getId(), toA.getConversation().getId());
    Frame withdrawn = a.await(Frame::hasOfferWithdrawn);
    assertEquals("timeout", withdrawn.getOfferWithdrawn().getReason());
    assertEquals(asked.getId(), Desk.offer(b).getConversation().getId());
    offline(a);
    offline(b);
    Desk.close(customer, asked.getId());
  }

  @Test
  void aDeclinedOfferMovesOnToTheNextAgent() {
    WsClient customer = connect("dc-cust", "customer");
    WsClient a = connect("dc-agent-a", "agent");
    WsClient b = connect("dc-agent-b", "agent");
    Desk.online(a, 1);
    Desk.online(b, 1);
    Conversation asked = Desk.ask(customer, "human please: how do returns work");
    Offer toA = Desk.offer(a);
    Frame declined = a.request(Frame.newBuilder().setDecline(DeclineOffer.newBuilder().setOfferId(toA.getOfferId())));
    assertTrue(declined.hasOk(), declined::toString);
    Offer toB = Desk.offer(b, Duration.ofMillis(1000));
    assertEquals(asked.getId(), toB.getConversation().getId());
    offline(a);
    offline(b);
    Desk.close(customer, asked.getId());
  }

  @Test
  void aTransferBackToTheQueueKeepsTheOriginalDeadline() {
    WsClient customer = connect("tr-cust", "customer");
    WsClient a = connect("tr-agent-a", "agent");
    WsClient b = connect("tr-agent-b", "agent");
    Conversation asked = Desk.ask(customer, "human please: can I change the colour of my order");
    Desk.online(a, 1);
    Desk.accept(a, Desk.offer(a));
    offline(a);
    Frame transferred = a.request(Frame.newBuilder().setTransfer(Transfer.newBuilder().setConversationId(asked.getId())));
    assertTrue(transferred.hasOk(), transferred::toString);
    Conversation back = Desk.update(customer, asked.getId(), ConversationState.WAITING);
    assertEquals(asked.getDeadlineAt(), back.getDeadlineAt());
    Desk.online(b, 1);
    Conversation taken = Desk.accept(b, Desk.offer(b));
    assertEquals(asked.getDeadlineAt(), taken.getDeadlineAt());
    assertEquals("tr-agent-b", taken.getAgentId());
    offline(b);
    Desk.close(customer, asked.getId());
  }

  @Test
  void withNoAgentOnlineSupervisorsAreWarnedThenTheBreachIsRecordedAndPushed() throws Exception {
    WsClient supervisor = connect("br-super", "supervisor");
    assertTrue(supervisor.request(Frame.newBuilder().setSupervisorWatch(SupervisorWatch.newBuilder().setOn(true))).hasOk());
    WsClient customer = connect("br-cust", "customer");
    Conversation asked = Desk.ask(customer, "human please: payment failed, card charged twice");
    assertEquals("urgent", asked.getTier());
    Frame warning = supervisor.await(f -> f.hasSlaAlert() && f.getSlaAlert().getConversation().getId().equals(asked.getId()));
    assertEquals(SlaAlertKind.WARNING, warning.getSlaAlert().getKind());
    assertTrue(warning.getSlaAlert().getAt() < asked.getDeadlineAt());
    Frame breach = supervisor.await(f -> f.hasSlaAlert() && f.getSlaAlert().getConversation().getId().equals(asked.getId()));
    assertEquals(SlaAlertKind.BREACH, breach.getSlaAlert().getKind());
    assertTrue(breach.getSlaAlert().getAt() >= asked.getDeadlineAt());
    Document stored = node.store().first(node.store().collection("conversations").find(new Document("_id", asked.getId())))
        .await(5, TimeUnit.SECONDS);
    assertEquals(SlaOutcome.BREACHED.name(), stored.getString("sla"));
    supervisor.request(Frame.newBuilder().setSupervisorWatch(SupervisorWatch.newBuilder().setOn(false)));
    Desk.close(customer, asked.getId());
  }

  @Test
  void aVipIsOfferedToTheirPreviousAgentOverALessLoadedOne() {
    WsClient vip = open(WsClient.connect(node.port(), Tokens.tagged("pv-vip", "customer", "vip")));
    WsClient a = connect("pv-agent-a", "agent");
    WsClient b = connect("pv-agent-b", "agent");
    Desk.online(b, 2);
    Conversation before = Desk.ask(vip, "human please: what size should I take");
    Desk.accept(b, Desk.offer(b));
    Desk.close(vip, before.getId());
    Desk.online(a, 2);
    // a is as free as b now, and would win the tie on id; b served this vip before.
    Conversation again = Desk.ask(vip, "human please: and which colour");
    assertEquals(again.getId(), Desk.offer(b).getConversation().getId());
    offline(a);
    offline(b);
    Desk.close(vip, again.getId());
  }

  @Test
  void aSupervisorAssignsAWaitingConversationByHand() {
    WsClient supervisor = connect("as-super", "supervisor");
    WsClient customer = connect("as-cust", "customer");
    WsClient agent = connect("as-agent", "agent");
    // The agent lacks the skill, so the dispatcher would never offer it this conversation.
    Desk.online(agent, 1, "no-such-skill");
    Conversation asked = Desk.ask(customer, "human please: what size should I take");
    Frame assigned = supervisor.request(Frame.newBuilder().setAssign(io.livedesk.protocol.Assign.newBuilder()
        .setConversationId(asked.getId()).setAgentId("as-agent")));
    assertTrue(assigned.hasOk(), assigned::toString);
    assertEquals("as-agent", Desk.update(customer, asked.getId(), ConversationState.ACTIVE).getAgentId());
    assertEquals("as-agent", Desk.update(agent, asked.getId(), ConversationState.ACTIVE).getAgentId());
    offline(agent);
    Desk.close(customer, asked.getId());
  }

  @Test
  void theBotAnswersAKnownQuestionAndAskingForAPersonHandsOver() {
    WsClient customer = connect("bot-cust", "customer");
    Conversation asked = Desk.ask(customer, "how long does shipping take?");
    assertEquals(ConversationState.BOT, asked.getState());
    Frame history = customer.request(Frame.newBuilder().setHistory(io.livedesk.protocol.HistoryRequest.newBuilder()
        .setConversationId(asked.getId())));
    assertEquals(io.livedesk.protocol.SenderRole.BOT_SENDER, history.getHistoryPage().getMessages(1).getSenderRole());
    Desk.send(customer, asked.getId(), "bot-2", "I want to talk to a human");
    Conversation waiting = Desk.update(customer, asked.getId(), ConversationState.WAITING);
    assertEquals(SlaOutcome.PENDING, waiting.getSla());
    Desk.close(customer, asked.getId());
  }

  @Test
  void aFollowUpToTheBotHandsOverInTheQuestionsTierNeverALowerOne() {
    // "thanks" alone is a low-tier intent; after the bot's answer to a normal-tier shipping
    // question it hands the conversation over, and the question's tier (normal) must stay.
    WsClient customer = connect("bot-lower", "customer");
    Conversation asked = Desk.ask(customer, "how long does shipping take?");
    assertEquals(ConversationState.BOT, asked.getState());
    assertEquals("normal", asked.getTier());
    Desk.send(customer, asked.getId(), "bot-lower-2", "ok thanks");
    Conversation waiting = Desk.update(customer, asked.getId(), ConversationState.WAITING);
    assertEquals("normal", waiting.getTier());
    Desk.close(customer, asked.getId());
  }

  @Test
  void aCustomerMessageTheAgentLeavesUnansweredBreachesTheNextResponseDeadline() {
    WsClient supervisor = connect("nr-super", "supervisor");
    assertTrue(supervisor.request(Frame.newBuilder().setSupervisorWatch(SupervisorWatch.newBuilder().setOn(true))).hasOk());
    WsClient customer = connect("nr-cust", "customer");
    WsClient agent = connect("nr-agent", "agent");
    Desk.online(agent, 1);
    Conversation asked = Desk.ask(customer, "human please: my payment failed at checkout");
    assertEquals(SlaOutcome.MET, Desk.accept(agent, Desk.offer(agent)).getSla());
    long sentAt = System.currentTimeMillis();
    assertTrue(Desk.send(customer, asked.getId(), "nr-1", "hello? anyone?").hasAck());
    Frame breach = supervisor.await(f -> f.hasSlaAlert() && f.getSlaAlert().getKind() == SlaAlertKind.BREACH
        && f.getSlaAlert().getConversation().getId().equals(asked.getId()));
    // Not before the tier's budget (urgent: 3 s here) has passed since the customer wrote.
    assertTrue(breach.getSlaAlert().getAt() >= sentAt + 3000, breach::toString);
    supervisor.request(Frame.newBuilder().setSupervisorWatch(SupervisorWatch.newBuilder().setOn(false)));
    offline(agent);
    Desk.close(customer, asked.getId());
  }

  private WsClient open(WsClient c) {
    open.add(c);
    return c;
  }
}
