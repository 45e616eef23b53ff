package io.livedesk.server.faults;

import com.mongodb.client.model.Filters;
import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Offer;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.protocol.SupervisorWatch;
import io.livedesk.server.Node;
import io.livedesk.server.conversation.Conversations;
import io.livedesk.server.store.EmbeddedStore;
import io.livedesk.server.testing.Desk;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three nodes under conversation load (customers on every node writing without pause, agents on
 * two of them, two conversations waiting for a free agent); the node that runs the dispatcher and
 * holds an agent, customers and a waiting customer is stopped. {@code routing.FailoverTest}
 * covers each failover on its own with an idle cluster; this is the same promise under load:
 * every acknowledged message is in MongoDB, the dispatcher is back and the dead node's agent is
 * offline within 5 s, the agent's conversations return to the queue with their original
 * deadlines and, with the waiting ones, reach a new agent, and the dead node's customers
 * reconnect elsewhere and resume with no gap and no duplicate.
 */
class NodeLossUnderLoadTest {

  private static final Duration WITHIN_FIVE_SECONDS = Duration.ofSeconds(5);
  private static final Duration LOAD = Duration.ofSeconds(2);

  private final Vertx client = Vertx.vertx();
  private final List<WsClient> open = new ArrayList<>();
  private final List<Chatter> chatters = new ArrayList<>();
  private EmbeddedStore store;
  private TestNodes nodes;
  private Node doomed;
  private Node second;
  private Node third;

  @BeforeEach
  void start() {
    store = EmbeddedStore.start(Path.of(TestNodes.tempDir()), 0);
    nodes = new TestNodes();
    Map<String, Object> settings = Map.of("store.mongoUri", store.uri(), "presence.heartbeatMs", 300,
        "presence.timeoutMs", 1500, "routing.offerTimeoutMs", 10000,
        "gateway.framesPerSecond", 1000, "gateway.frameBurst", 1000,
        "gateway.userFramesPerSecond", 1000, "gateway.userFrameBurst", 1000);
    doomed = nodes.start(settings);
    second = nodes.start(settings);
    third = nodes.start(settings);
  }

  @AfterEach
  void stop() {
    chatters.forEach(Chatter::close);
    open.forEach(WsClient::close);
    nodes.close();
    store.close();
    client.close();
  }

  @Test
  void losingTheDispatchersNodeUnderLoadLosesNoAcknowledgedMessageAndNoDeadline() throws Exception {
    assertTrue(doomed.dispatching(), "the first node runs the dispatcher");
    WsClient supervisor = connect(second, "nl-super", "supervisor");
    supervisor.request(Frame.newBuilder().setSupervisorWatch(SupervisorWatch.newBuilder().setOn(true)));
    WsClient doomedAgent = connect(doomed, "nl-agent-1", "agent");
    WsClient survivingAgent = connect(second, "nl-agent-2", "agent");
    Desk.online(doomedAgent, 2);
    Desk.online(survivingAgent, 2);

    // Four conversations fill both agents; two more wait. Customers sit on every node.
    List<Node> homes = List.of(doomed, second, third, doomed, third, doomed);
    List<WsClient> customers = new ArrayList<>();
    List<Conversation> asked = new ArrayList<>();
    for (int i = 0; i < homes.size(); i++) {
      customers.add(connect(homes.get(i), "nl-cust-" + i, "customer"));
      asked.add(Desk.ask(customers.get(i), "human please: what size should I take, question " + i));
      if (i < 4) {
        acceptNextOffer(doomedAgent, survivingAgent);
      }
    }
    Map<String, Document> before = conversationsById(asked);
    Set<String> heldByDoomedAgent = before.values().stream().filter(d -> "nl-agent-1".equals(d.getString("agentId")))
        .map(d -> d.getString("_id")).collect(Collectors.toSet());
    assertEquals(2, heldByDoomedAgent.size(), "the doomed node's agent holds two conversations");

    AtomicInteger turn = new AtomicInteger();
    List<Node> survivors = List.of(second, third);
    for (int i = 0; i < homes.size(); i++) {
      customers.get(i).drain();
      chatters.add(new Chatter(customers.get(i), "nl-cust-" + i, asked.get(i).getId(),
          asked.get(i).getLastSeq(), () -> survivors.get(turn.getAndIncrement() % survivors.size())));
    }
    Thread.sleep(LOAD.toMillis()); // load before the loss

    nodes.stop(doomed);
    long stopped = System.nanoTime();

    awaitDispatcher(stopped);
    supervisor.await(f -> f.hasSupervisorView() && f.getSupervisorView().getAgentsList().stream()
        .anyMatch(a -> a.getAgentId().equals("nl-agent-1") && a.getStatus() == PresenceStatus.OFFLINE),
        WITHIN_FIVE_SECONDS.minusNanos(System.nanoTime() - stopped));

    // The queue now holds the dead agent's two conversations and the two that were waiting, deadlines unchanged.
    Set<String> expected = new HashSet<>(heldByDoomedAgent);
    expected.add(asked.get(4).getId());
    expected.add(asked.get(5).getId());
    WsClient newAgent = connect(third, "nl-agent-3", "agent");
    Desk.online(newAgent, 10);
    Set<String> offered = new HashSet<>();
    while (!offered.containsAll(expected)) {
      Offer offer = Desk.offer(newAgent);
      String id = offer.getConversation().getId();
      assertEquals(before.get(id).getLong("deadlineAt"), offer.getConversation().getDeadlineAt(),
          () -> "conversation " + id + " kept its deadline");
      Desk.accept(newAgent, offer);
      offered.add(id);
    }
    assertEquals(expected, offered);

    Thread.sleep(LOAD.toMillis()); // load after the recovery
    for (Chatter c : chatters) {
      c.stop();
      assertTrue(c.failures.isEmpty(), () -> c.userId + " failed: " + c.failures);
    }

    everyAcknowledgedMessageIsStoredOnce();
    theDoomedNodesCustomersResumedWithoutGapOrDuplicate(homes);
    everyCustomerSawEveryMessageOfTheirConversationOnce();
  }

  // ------------------------------------------------------------------ checks

  private void awaitDispatcher(long stopped) throws Exception {
    while (!second.dispatching() && !third.dispatching()) {
      assertTrue(System.nanoTime() - stopped < WITHIN_FIVE_SECONDS.toNanos(), "no dispatcher within 5 s");
      second.vertx().timer(50).await();
    }
  }

  private void everyAcknowledgedMessageIsStoredOnce() throws Exception {
    for (Chatter c : chatters) {
      Map<String, Integer> stored = new HashMap<>();
      for (Document m : messagesOf(c.conversationId)) {
        assertTrue(stored.put(m.getString("clientMsgId"), m.getInteger("seq")) == null, () -> "stored once: " + m);
      }
      assertFalse(c.acked.isEmpty(), c.userId + " got acks");
      for (Chatter.Sent s : c.acked.values()) {
        assertEquals(s.seq(), stored.get(s.clientMsgId()), () -> c.userId + " was acked " + s + " but the store has "
            + stored.get(s.clientMsgId()));
      }
    }
  }

  private void theDoomedNodesCustomersResumedWithoutGapOrDuplicate(List<Node> homes) {
    for (int i = 0; i < homes.size(); i++) {
      Chatter c = chatters.get(i);
      if (homes.get(i) != doomed) {
        assertTrue(c.resumes.isEmpty(), c.userId + " stayed connected");
        continue;
      }
      assertEquals(1, c.resumes.size(), c.userId + " reconnected once");
      Chatter.Resumed r = c.resumes.peek();
      List<Integer> exactlyTheMissed = IntStream.rangeClosed(r.cursor() + 1, r.reported()).boxed().toList();
      assertEquals(exactlyTheMissed, r.replayed(), c.userId + " got exactly the missed messages, in order");
    }
  }

  private void everyCustomerSawEveryMessageOfTheirConversationOnce() throws Exception {
    for (Chatter c : chatters) {
      int last = store(c.conversationId).getInteger("lastSeq");
      c.drainUntil(last, Duration.ofSeconds(5));
      Map<Integer, Integer> expected = new java.util.TreeMap<>();
      IntStream.rangeClosed(1, last).forEach(s -> expected.put(s, 1));
      assertEquals(expected, c.deliveries(), c.userId + " saw every message once (seq -> times)");
    }
  }

  // ------------------------------------------------------------------ helpers

  private WsClient connect(Node node, String user, String role) {
    WsClient c = WsClient.connect(node.port(), Tokens.of(user, role));
    open.add(c);
    return c;
  }

  /** The dispatcher decides which agent is offered the conversation: whichever it is accepts. */
  private static void acceptNextOffer(WsClient... agents) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < until) {
      for (WsClient agent : agents) {
        try {
          Desk.accept(agent, Desk.offer(agent, Duration.ofMillis(100)));
          return;
        } catch (AssertionError notThisOne) {
          // no offer to this agent yet
        }
      }
    }
    throw new AssertionError("no agent was offered the conversation");
  }

  private Map<String, Document> conversationsById(List<Conversation> conversations) throws Exception {
    Map<String, Document> out = new HashMap<>();
    for (Conversation c : conversations) {
      out.put(c.getId(), store(c.getId()));
    }
    return out;
  }

  private Document store(String conversationId) throws Exception {
    return second.store().first(second.store().collection(Conversations.CONVERSATIONS)
        .find(Filters.eq("_id", conversationId))).await(10, TimeUnit.SECONDS);
  }

  private List<Document> messagesOf(String conversationId) throws Exception {
    return second.store().all(second.store().collection(Conversations.MESSAGES)
        .find(Filters.eq("conversationId", conversationId))).await(10, TimeUnit.SECONDS);
  }
}
