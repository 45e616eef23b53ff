package io.livedesk.server.store;

import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Send;
import io.livedesk.server.Node;
import io.livedesk.server.conversation.Conversations;
import io.livedesk.server.testing.Desk;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store that cannot keep up (its disk stalls every sync, reads still answered): a node storing
 * all the messages it may ({@code conversation.maxMessagesStoring}) refuses the next ones at
 * once with STORE_UNAVAILABLE, retryable, instead of queueing them behind the stall; what it
 * admitted is acknowledged once the disk is back, and it takes messages again.
 */
class StoreBackpressureTest {

  private static final TestNodes nodes = new TestNodes();
  /** While not null, every sync of the store waits for it: a disk that has stalled. */
  private static volatile CountDownLatch stalled;
  private static EmbeddedStore store;
  private static Node node;

  @BeforeAll
  static void start() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    store = EmbeddedStore.start(Path.of(TestNodes.tempDir()), port, () -> {
      CountDownLatch stall = stalled;
      if (stall != null) {
        try {
          stall.await(); // the committer thread is the disk here, not an event loop
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    int unlimited = 100_000;
    node = nodes.start(Map.of("store.mongoUri", store.uri(), "conversation.maxMessagesStoring", 1,
        "gateway.framesPerSecond", unlimited, "gateway.frameBurst", unlimited,
        "gateway.userFramesPerSecond", unlimited, "gateway.userFrameBurst", unlimited));
  }

  @AfterAll
  static void stop() {
    if (stalled != null) {
      stalled.countDown();
    }
    nodes.close();
    store.close();
  }

  @Test
  void beyondWhatItMayBeStoringTheNodeRefusesAtOnceAndTakesMessagesAgainWhenTheStoreKeepsUp() throws Exception {
    try (WsClient first = WsClient.connect(node.port(), Tokens.of("narrow-1", "customer"));
         WsClient second = WsClient.connect(node.port(), Tokens.of("narrow-2", "customer"))) {
      Conversation one = Desk.ask(first, "human please: is the blue one in stock?");
      Conversation two = Desk.ask(second, "human please: can I pay on delivery?");
      stalled = new CountDownLatch(1);
      String held;
      try {
        held = first.send(Frame.newBuilder().setSend(Send.newBuilder().setConversationId(one.getId())
            .setClientMsgId("held").setText("still there?")));
        awaitStoring(1);
        // A thousand sends while the disk stalls: each answered at once, none queued, none stored.
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          ids.add(second.send(Frame.newBuilder().setSend(Send.newBuilder().setConversationId(two.getId())
              .setClientMsgId("refused-" + i).setText("hello?"))));
        }
        // Answers come as each send's read of its conversation completes, not in the order sent.
        java.util.Set<String> unanswered = new java.util.HashSet<>(ids);
        while (!unanswered.isEmpty()) {
          Frame refused = second.await(f -> unanswered.contains(f.getReplyTo()));
          unanswered.remove(refused.getReplyTo());
          assertEquals(ErrorCode.STORE_UNAVAILABLE, refused.getError().getCode(), refused::toString);
          assertTrue(refused.getError().getRetryable() && refused.getError().getRetryAfterMs() > 0, refused::toString);
        }
        assertEquals(1, (int) TestNodes.metric(node, "livedesk_messages_storing"), "the refused took no place");
      } finally {
        stalled.countDown();
        stalled = null;
      }
      assertTrue(first.reply(held).hasAck(), "the message admitted before the stall is stored after it");
      Frame retried = Desk.send(second, two.getId(), "refused-0", "hello?");
      assertTrue(retried.hasAck(), retried::toString);
      assertEquals(List.of("refused-0"), clientIds(two.getId(), "narrow-2", "refused-"), "only the one sent again");
      assertEquals(List.of("held"), clientIds(one.getId(), "narrow-1", "held"));
    }
  }

  /** The client ids of the sender's messages stored in the conversation, of those starting with {@code prefix}. */
  private static List<String> clientIds(String conversationId, String sender, String prefix) throws Exception {
    return node.store().all(node.store().collection(Conversations.MESSAGES)
            .find(new Document("conversationId", conversationId).append("senderId", sender)))
        .await(10, TimeUnit.SECONDS).stream().map(d -> d.getString("clientMsgId"))
        .filter(id -> id.startsWith(prefix)).toList();
  }

  private static void awaitStoring(int count) throws InterruptedException {
    long until = System.nanoTime() + WsClient.TIMEOUT.toNanos();
    while (TestNodes.metric(node, "livedesk_messages_storing") < count && System.nanoTime() < until) {
      Thread.sleep(20); // polling the node's gauge
    }
    assertEquals(count, (int) TestNodes.metric(node, "livedesk_messages_storing"));
  }
}
