package io.livedesk.server.routing;

import io.livedesk.protocol.AgentView;
import io.livedesk.protocol.Ask;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Offer;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.protocol.SupervisorWatch;
import io.livedesk.server.Node;
import io.livedesk.server.testing.Desk;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many arrivals at once: the single dispatcher hands out seats, never more than an agent has. */
class CapacityTest {

  private static final TestNodes nodes = new TestNodes();
  private static Node node;
  private final List<WsClient> open = new ArrayList<>();

  @BeforeAll
  static void start() {
    // Offers stay open while the test accepts them one by one.
    node = nodes.start(Map.of("routing.offerTimeoutMs", 60000));
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @org.junit.jupiter.api.AfterEach
  void cleanUp() {
    open.forEach(WsClient::close);
    open.clear();
  }

  private WsClient connect(String user, String role) {
    WsClient c = WsClient.connect(node.port(), Tokens.of(user, role));
    open.add(c);
    return c;
  }

  @Test
  void fiftyConcurrentArrivalsNeverPutAnAgentOverCapacity() {
    WsClient supervisor = connect("cap-super", "supervisor");
    List<WsClient> agents = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      WsClient agent = connect("cap-agent-" + i, "agent");
      Desk.online(agent, 3);
      agents.add(agent);
    }
    List<WsClient> customers = new ArrayList<>();
    List<String> asks = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      customers.add(connect("cap-cust-" + i, "customer"));
    }
    for (WsClient c : customers) {
      asks.add(c.send(Frame.newBuilder().setAsk(Ask.newBuilder().setText("human please: question about sizes"))));
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(customers.get(i).reply(asks.get(i)).getConversation().getConversation().getId());
    }
    // Every agent is offered exactly its three seats, and accepts them.
    Map<String, Integer> accepted = new HashMap<>();
    for (WsClient agent : agents) {
      List<Offer> offers = new ArrayList<>();
      for (int seat = 0; seat < 3; seat++) {
        offers.add(Desk.offer(agent));
      }
      for (Offer offer : offers) {
        accepted.merge(Desk.accept(agent, offer).getAgentId(), 1, Integer::sum);
      }
    }
    assertEquals(5, accepted.size());
    accepted.values().forEach(n -> assertEquals(3, n));
    supervisor.request(Frame.newBuilder().setSupervisorWatch(SupervisorWatch.newBuilder().setOn(true)));
    var view = supervisor.await(f -> f.hasSupervisorView() && f.getSupervisorView().getQueueCount() == 35).getSupervisorView();
    for (AgentView a : view.getAgentsList()) {
      assertTrue(a.getActive() <= a.getCapacity(), () -> a + " is over capacity");
    }
    // A full agent is offered nothing more.
    for (WsClient agent : agents) {
      assertTrue(agent.drain().stream().noneMatch(f -> f.hasOffer() && !f.getOffer().getWarning()));
    }
    supervisor.request(Frame.newBuilder().setSupervisorWatch(SupervisorWatch.newBuilder().setOn(false)));
    agents.forEach(a -> Desk.status(a, PresenceStatus.OFFLINE, 0));
    for (int i = 0; i < 50; i++) {
      Desk.close(customers.get(i), ids.get(i));
    }
  }
}
