package io.livedesk.server.routing;

import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ConversationCursor;
import io.livedesk.protocol.ConversationMessage;
import io.livedesk.protocol.ConversationState;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Offer;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.protocol.Resume;
import io.livedesk.protocol.SupervisorWatch;
import io.livedesk.server.Node;
import io.livedesk.server.store.EmbeddedStore;
import io.livedesk.server.testing.Desk;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two real nodes, one of which is stopped: the queue, presence and transcripts live on in the
 * cluster and the store. The store runs apart from both nodes so either may die.
 */
class FailoverTest {

  private static final Duration WITHIN_FIVE_SECONDS = Duration.ofSeconds(5);

  private final Vertx client = Vertx.vertx();
  private final List<WsClient> open = new ArrayList<>();
  private EmbeddedStore store;
  private TestNodes nodes;
  private Node first;
  private Node second;

  @BeforeEach
  void start() {
    store = EmbeddedStore.start(Path.of(TestNodes.tempDir()), 0);
    nodes = new TestNodes();
    Map<String, Object> settings = Map.of("store.mongoUri", store.uri(), "presence.heartbeatMs", 500,
        "presence.timeoutMs", 3000, "routing.offerTimeoutMs", 10000);
    first = nodes.start(settings);
    second = nodes.start(settings);
  }

  @AfterEach
  void stop() {
    open.forEach(WsClient::close);
    nodes.close();
    store.close();
    client.close();
  }

  private WsClient connect(Node node, String user, String role) {
    WsClient c = WsClient.connect(node.port(), Tokens.of(user, role));
    open.add(c);
    return c;
  }

  @Test
  void whenTheDispatchersNodeDiesAnotherDispatcherServesTheQueue() {
    assertTrue(first.dispatching() && !second.dispatching());
    WsClient customer = connect(second, "fo-cust", "customer");
    Conversation asked = Desk.ask(customer, "human please: what size should I take");
    nodes.stop(first);
    WsClient agent = connect(second, "fo-agent", "agent");
    Desk.online(agent, 1);
    Offer offer = Desk.offer(agent);
    assertEquals(asked.getId(), offer.getConversation().getId());
    assertEquals(asked.getDeadlineAt(), offer.getConversation().getDeadlineAt());
    assertEquals("fo-agent", Desk.accept(agent, offer).getAgentId());
    assertTrue(second.dispatching());
  }

  @Test
  void whenAnAgentsNodeDiesTheAgentGoesOfflineAndTheConversationIsQueuedAgainWithItsDeadline() {
    WsClient supervisor = connect(first, "an-super", "supervisor");
    supervisor.request(Frame.newBuilder().setSupervisorWatch(SupervisorWatch.newBuilder().setOn(true)));
    WsClient customer = connect(first, "an-cust", "customer");
    WsClient agent = connect(second, "an-agent", "agent");
    Desk.online(agent, 1);
    Conversation asked = Desk.ask(customer, "human please: my coupon does not apply at checkout");
    Desk.accept(agent, Desk.offer(agent));
    Desk.update(customer, asked.getId(), ConversationState.ACTIVE);

    nodes.stop(second);

    Conversation back = customer.await(f -> f.hasConversation()
        && f.getConversation().getConversation().getState() == ConversationState.WAITING, WITHIN_FIVE_SECONDS)
        .getConversation().getConversation();
    assertEquals(asked.getDeadlineAt(), back.getDeadlineAt());
    supervisor.await(f -> f.hasSupervisorView() && f.getSupervisorView().getAgentsList().stream()
        .anyMatch(a -> a.getAgentId().equals("an-agent") && a.getStatus() == PresenceStatus.OFFLINE), WITHIN_FIVE_SECONDS);
    WsClient other = connect(first, "an-agent-2", "agent");
    Desk.online(other, 1);
    Offer offer = Desk.offer(other);
    assertEquals(asked.getId(), offer.getConversation().getId());
    assertEquals(asked.getDeadlineAt(), offer.getConversation().getDeadlineAt());
  }

  @Test
  void aCustomerWhoReconnectsToTheOtherNodeGetsExactlyTheMissedMessages() {
    WsClient customer = connect(first, "rs-cust", "customer");
    WsClient agent = connect(second, "rs-agent", "agent");
    Desk.online(agent, 1);
    Conversation asked = Desk.ask(customer, "human please: is the blue one in stock");
    Desk.accept(agent, Desk.offer(agent));
    int seen = Desk.send(agent, asked.getId(), "rs-1", "let me check").getAck().getSeq();
    customer.await(f -> f.hasMessage() && f.getMessage().getSeq() == seen);
    customer.close();

    List<Integer> sent = new ArrayList<>();
    for (int i = 2; i <= 4; i++) {
      sent.add(Desk.send(agent, asked.getId(), "rs-" + i, "update " + i).getAck().getSeq());
    }

    WsClient back = connect(second, "rs-cust", "customer");
    String resume = back.send(Frame.newBuilder().setResume(Resume.newBuilder()
        .addCursors(ConversationCursor.newBuilder().setConversationId(asked.getId()).setLastSeq(seen))));
    List<Integer> got = new ArrayList<>();
    Frame resumed;
    while (true) {
      Frame f = back.await(x -> x.hasMessage() || x.getReplyTo().equals(resume));
      if (!f.hasMessage()) {
        resumed = f;
        break;
      }
      ConversationMessage m = f.getMessage();
      got.add(m.getSeq());
    }
    // The replay is exactly the missed messages, but a message published just before this session
    // attached may also reach it live, even ahead of the replay: a client keeps each seq once, in
    // seq order (PROTOCOL.md section 9), and that is what the customer sees.
    assertEquals(sent, List.copyOf(new TreeSet<>(got)), "every missed message, arrived as " + got);
    assertTrue(got.stream().allMatch(s -> s > seen), "nothing at or below the cursor came again: " + got);
    assertEquals(sent.get(sent.size() - 1), resumed.getResumed().getCursors(0).getLastSeq());
    for (int i = 1; i < sent.size(); i++) {
      assertEquals(sent.get(i - 1) + 1, sent.get(i), "no gap");
    }
  }
}
