package io.livedesk.server.cluster;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Ok;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
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
    for (Node node : new Node[] {a, b}) {
      io.vertx.core.Promise<io.vertx.core.buffer.Buffer> body = io.vertx.core.Promise.promise();
      // One event loop for the whole exchange, so the body handler is set before the body arrives.
      client.getOrCreateContext().runOnContext(v -> client.createHttpClient()
          .request(io.vertx.core.http.HttpMethod.GET, node.port(), "127.0.0.1", "/health")
          .compose(r -> r.send().compose(res -> res.body())).onComplete(body));
      var health = body.future().await(10, java.util.concurrent.TimeUnit.SECONDS).toJsonObject();
      assertEquals(2, health.getJsonObject("cluster").getInteger("members"));
    }
  }

  @Test
  void aUserOnNodeAReceivesAFrameAddressedToThemFromNodeB() {
    try (WsClient alice = WsClient.connect(client, a.port(), Tokens.of("alice", "customer"))) {
      b.delivery().toUser("alice", Frame.newBuilder().setId("from-b").setOk(Ok.getDefaultInstance()).build());
      assertEquals("from-b", alice.await(Frame::hasOk).getId());
    }
  }

  @Test
  void everySessionOfTheUserOnEveryNodeReceivesItOnce() {
    try (WsClient onA = WsClient.connect(client, a.port(), Tokens.of("bob", "agent"));
         WsClient onB = WsClient.connect(client, b.port(), Tokens.of("bob", "agent"))) {
      a.delivery().toUser("bob", Frame.newBuilder().setId("x").setOk(Ok.getDefaultInstance()).build());
      onA.await(Frame::hasOk);
      onB.await(Frame::hasOk);
      b.delivery().toUser("bob", Frame.newBuilder().setId("y").setOk(Ok.getDefaultInstance()).build());
      assertEquals("y", onA.await(Frame::hasOk).getId());
      assertEquals("y", onB.await(Frame::hasOk).getId());
    }
  }
}
