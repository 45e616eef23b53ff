package io.livedesk.server.routing;

import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.Offer;
import io.livedesk.protocol.SlaOutcome;
import io.livedesk.server.Node;
import io.livedesk.server.store.EmbeddedStore;
import io.livedesk.server.testing.Desk;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The queue lives in Hazelcast, which a restart wipes; MongoDB is the record. Customers waiting
 * when a node (or the whole cluster) restarts on the same data are offered once an agent is
 * online, with their original deadlines, and a deadline that passed while the cluster was down is
 * recorded as a breach.
 */
class RestartRecoveryTest {

  private final List<WsClient> open = new ArrayList<>();
  private final List<TestNodes> clusters = new ArrayList<>();
  private EmbeddedStore store;

  @AfterEach
  void stop() {
    open.forEach(WsClient::close);
    clusters.forEach(TestNodes::close);
    if (store != null) {
      store.close();
    }
  }

  private WsClient connect(Node node, String user, String role) {
    WsClient c = WsClient.connect(node.port(), Tokens.of(user, role));
    open.add(c);
    return c;
  }

  private TestNodes cluster() {
    TestNodes nodes = new TestNodes();
    clusters.add(nodes);
    return nodes;
  }

  private void closeClients() {
    open.forEach(WsClient::close);
    open.clear();
  }

  @Test
  void aSingleNodeRestartedOnItsDataOffersEveryWaitingCustomerWithTheOriginalDeadline() throws Exception {
    // urgent: 1 s, so its deadline passes while the node is down; normal: long enough to be met.
    Map<String, Object> settings = Map.of("store.dataDir", TestNodes.tempDir(), "routing.tiers", "urgent=1,normal=300,low=600",
        "routing.offerTimeoutMs", 60000);
    TestNodes before = cluster();
    Node node = before.start(settings);
    Conversation urgent = Desk.ask(connect(node, "rr-urgent", "customer"), "human please: my payment failed at checkout");
    Conversation normal = Desk.ask(connect(node, "rr-normal", "customer"), "human please: what size should I take");
    assertEquals("urgent", urgent.getTier());
    assertEquals("normal", normal.getTier());
    closeClients();
    before.close();
    // The urgent deadline passes while no node runs (a node's restart takes longer; this only makes sure).
    while (System.currentTimeMillis() <= urgent.getDeadlineAt()) {
      Thread.sleep(urgent.getDeadlineAt() - System.currentTimeMillis() + 1);
    }

    Node again = cluster().start(settings);
    assertTrue(again.dispatching());
    WsClient agent = connect(again, "rr-agent", "agent");
    Desk.online(agent, 2);
    Map<String, Offer> offers = new HashMap<>();
    for (int i = 0; i < 2; i++) {
      Offer o = Desk.offer(agent);
      offers.put(o.getConversation().getId(), o);
    }
    assertEquals(urgent.getDeadlineAt(), offers.get(urgent.getId()).getConversation().getDeadlineAt());
    assertEquals(normal.getDeadlineAt(), offers.get(normal.getId()).getConversation().getDeadlineAt());
    // A deadline that passed while down is a breach on record; the other is met in time.
    assertEquals(SlaOutcome.BREACHED, Desk.accept(agent, offers.get(urgent.getId())).getSla());
    assertEquals(SlaOutcome.MET, Desk.accept(agent, offers.get(normal.getId())).getSla());
  }

  @Test
  void aWholeClusterRestartedOnItsStoreOffersWaitingAndOfferedCustomersAgain() {
    store = EmbeddedStore.start(Path.of(TestNodes.tempDir()), 0);
    Map<String, Object> settings = Map.of("store.mongoUri", store.uri(), "routing.offerTimeoutMs", 60000,
        "routing.tiers", "urgent=300,normal=300,low=600");
    TestNodes before = cluster();
    Node first = before.start(settings);
    Node second = before.start(settings);
    WsClient early = connect(second, "cr-agent-before", "agent");
    Desk.online(early, 1);
    Conversation offered = Desk.ask(connect(first, "cr-offered", "customer"), "human please: what size should I take");
    assertEquals(offered.getId(), Desk.offer(early).getConversation().getId());
    Conversation waiting = Desk.ask(connect(second, "cr-waiting", "customer"), "human please: which colour is best");
    closeClients();
    before.close();

    TestNodes after = cluster();
    Node third = after.start(settings);
    after.start(settings);
    WsClient agent = connect(third, "cr-agent-after", "agent");
    Desk.online(agent, 2);
    Map<String, Offer> offers = new HashMap<>();
    for (int i = 0; i < 2; i++) {
      Offer o = Desk.offer(agent);
      offers.put(o.getConversation().getId(), o);
    }
    assertEquals(offered.getDeadlineAt(), offers.get(offered.getId()).getConversation().getDeadlineAt());
    assertEquals(waiting.getDeadlineAt(), offers.get(waiting.getId()).getConversation().getDeadlineAt());
    assertEquals(SlaOutcome.MET, Desk.accept(agent, offers.get(offered.getId())).getSla());
    assertEquals(SlaOutcome.MET, Desk.accept(agent, offers.get(waiting.getId())).getSla());
  }
}
