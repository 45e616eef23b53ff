package io.livedesk.server.cluster;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Ok;
import io.livedesk.server.Node;
import io.livedesk.server.testing.Http;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Two Vert.x nodes on two Hazelcast members: frames reach a user on whichever node they are. */
class CrossNodeDeliveryTest {

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static Node a;
  private static Node b;

  @BeforeAll
  static void start() {
    a = nodes.start();
    b = nodes.start();
  }

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
  }

  @Test
  void bothNodesReportTwoMembersInHealth() throws Exception {
    try (Http http = new Http(client)) {
      for (Node node : new Node[] {a, b}) {
        Http.Response health = http.call(node, HttpMethod.GET, "/health", null, null);
        assertEquals(2, new JsonObject(health.body()).getJsonObject("cluster").getInteger("members"), health::toString);
      }
    }
  }

  @Test
  void aUserOnNodeAReceivesAFrameAddressedToThemFromNodeB() {
    try (WsClient alice = WsClient.connect(a.port(), Tokens.of("alice", "customer"))) {
      b.delivery().toUser("alice", Frame.newBuilder().setId("from-b").setOk(Ok.getDefaultInstance()).build());
      assertEquals("from-b", alice.await(Frame::hasOk).getId());
    }
  }

  @Test
  void everySessionOfTheUserOnEveryNodeReceivesItOnce() {
    try (WsClient onA = WsClient.connect(a.port(), Tokens.of("bob", "agent"));
         WsClient onB = WsClient.connect(b.port(), Tokens.of("bob", "agent"))) {
      a.delivery().toUser("bob", Frame.newBuilder().setId("x").setOk(Ok.getDefaultInstance()).build());
      onA.await(Frame::hasOk);
      onB.await(Frame::hasOk);
      b.delivery().toUser("bob", Frame.newBuilder().setId("y").setOk(Ok.getDefaultInstance()).build());
      assertEquals("y", onA.await(Frame::hasOk).getId());
      assertEquals("y", onB.await(Frame::hasOk).getId());
    }
  }
}
