package io.livedesk.server.faults;

import com.mongodb.client.model.Filters;
import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.server.Node;
import io.livedesk.server.conversation.Conversations;
import io.livedesk.server.store.EmbeddedStore;
import io.livedesk.server.testing.Desk;
import io.livedesk.server.testing.Http;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MongoDB goes away under conversation load and comes back on its own, on the same port and
 * data: nothing that was acknowledged is lost, messages sent meanwhile are acknowledged once it
 * is back, and a node whose write buffer is full answers STORE_UNAVAILABLE (retryable) at once.
 * Meanwhile /health says the node is not ready. No one does anything to the nodes for them to recover. The outage is {@code OUTAGE} here;
 * {@code scripts/fault-store-outage.sh} runs a 20 s one against a local cluster.
 */
class StoreOutageTest {

  private static final Duration OUTAGE = Duration.ofSeconds(3);
  private static final Duration LOAD = Duration.ofSeconds(1);

  private static final Vertx client = Vertx.vertx();
  private static final TestNodes nodes = new TestNodes();
  private static final Path dataDir = Path.of(TestNodes.tempDir());
  private static final int port = freePort();
  private static EmbeddedStore store;
  /** Its write buffer holds thousands of writes. */
  private static Node roomy;
  /** Its write buffer holds one write. */
  private static Node tiny;
  private static WsClient agent;
  private static Http http;
  private final List<Chatter> chatters = new ArrayList<>();

  @BeforeAll
  static void start() {
    store = EmbeddedStore.start(dataDir, port);
    Map<String, Object> settings = new HashMap<>(Map.of("store.mongoUri", store.uri(), "store.writeMaxWaitMs", 30_000,
        "gateway.framesPerSecond", 1000, "gateway.frameBurst", 1000,
        "gateway.userFramesPerSecond", 1000, "gateway.userFrameBurst", 1000));
    roomy = nodes.start(settings);
    settings.put("store.writeBuffer", 1);
    tiny = nodes.start(settings);
    http = new Http(client);
    agent = WsClient.connect(roomy.port(), Tokens.of("outage-agent", "agent"));
    Desk.online(agent, 20);
  }

  @AfterAll
  static void stop() {
    agent.close();
    http.close();
    nodes.close();
    store.close();
    client.close();
  }

  @AfterEach
  void quiet() {
    chatters.forEach(Chatter::close);
  }

  @Test
  void messagesSentDuringTheOutageAreAcknowledgedAfterItAndEveryAcknowledgedOneIsStored() throws Exception {
    startChatters(roomy, "roomy", 3);
    outage();
    long back = System.currentTimeMillis();
    awaitAcksAfter(back);
    stopChatters();

    List<Chatter.Sent> acked = chatters.stream().flatMap(c -> c.acked.values().stream()).toList();
    assertTrue(acked.stream().anyMatch(s -> s.sentAt() < back - 1000 && s.ackedAt() >= back),
        "a message sent during the outage waited for the store and was acknowledged after it");
    everyAckedMessageIsStoredOnce();
  }

  @Test
  void aFullWriteBufferAnswersStoreUnavailableAndTheRetriedMessagesAreStored() throws Exception {
    startChatters(tiny, "tiny", 3);
    outage();
    awaitAnAckAfter(System.currentTimeMillis());
    stopChatters();

    List<Frame> refusals = chatters.stream().flatMap(c -> c.errors.stream())
        .filter(f -> f.getError().getCode() == ErrorCode.STORE_UNAVAILABLE).toList();
    assertTrue(!refusals.isEmpty(), () -> "no STORE_UNAVAILABLE; errors were " + errors());
    assertTrue(refusals.stream().allMatch(f -> f.getError().getRetryable() && f.getError().getRetryAfterMs() > 0));
    everyAckedMessageIsStoredOnce();
  }

  // ------------------------------------------------------------------ the scenario

  /** Every customer asks first (a one-write buffer refuses concurrent writes even with the store up), then all write. */
  private void startChatters(Node node, String prefix, int count) throws InterruptedException {
    List<WsClient> customers = new ArrayList<>();
    List<Conversation> asked = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      customers.add(WsClient.connect(node.port(), Tokens.of(prefix + "-cust-" + i, "customer")));
      asked.add(Desk.ask(customers.get(i), "human please: what size should I take, question " + i));
    }
    for (int i = 0; i < count; i++) {
      chatters.add(new Chatter(customers.get(i), prefix + "-cust-" + i, asked.get(i).getId(),
          asked.get(i).getLastSeq(), () -> node));
    }
    Thread.sleep(LOAD.toMillis()); // the load runs for a while before the store stops
  }

  /** Stops the store, lets the load run into it, and starts it again on the same port and data. */
  private void outage() throws InterruptedException {
    store.close();
    Thread.sleep(OUTAGE.toMillis()); // the outage itself: senders keep sending meanwhile
    Http.Response health = http.call(roomy, HttpMethod.GET, "/health", null, null);
    assertEquals(503, health.status(), "not ready without the store: " + health);
    assertFalse(new JsonObject(health.body()).getJsonObject("store").getBoolean("up"));
    store = EmbeddedStore.start(dataDir, port);
  }

  /**
   * Recovery needs no one: the node acknowledges again, for messages sent after the store came
   * back. With one write slot and three customers writing without pause, which of them gets the
   * slot is first come, first served, so this asks it of the node, not of each customer.
   */
  private void awaitAnAckAfter(long back) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (chatters.stream().noneMatch(c -> ackedAfter(c, back)) && System.nanoTime() < until) {
      Thread.sleep(50); // polling what the chatter threads record
    }
    assertTrue(chatters.stream().anyMatch(c -> ackedAfter(c, back)), () -> "no ack after the store came back; errors " + errors());
  }

  private static boolean ackedAfter(Chatter c, long back) {
    return c.acked.values().stream().anyMatch(s -> s.sentAt() > back);
  }

  /** Recovery needs no one: every customer gets acks again, for messages sent after the store came back. */
  private void awaitAcksAfter(long back) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (Chatter c : chatters) {
      while (!ackedAfter(c, back) && System.nanoTime() < until) {
        Thread.sleep(50); // polling what the chatter threads record
      }
      assertTrue(ackedAfter(c, back),
          () -> c.userId + " got no ack after the store came back; errors " + errors());
    }
  }

  /** Stops the load; the only refusal anyone saw was the clear, retryable STORE_UNAVAILABLE. */
  private void stopChatters() throws InterruptedException {
    for (Chatter c : chatters) {
      c.stop();
      assertTrue(c.failures.isEmpty(), () -> c.userId + " failed: " + c.failures);
      assertTrue(c.errors.stream().allMatch(f -> f.getError().getCode() == ErrorCode.STORE_UNAVAILABLE
          && f.getError().getRetryable()), () -> "errors other than STORE_UNAVAILABLE: " + errors());
    }
  }

  private void everyAckedMessageIsStoredOnce() {
    for (Chatter c : chatters) {
      Map<String, Integer> stored = new HashMap<>();
      for (Document m : messagesOf(c.conversationId)) {
        assertTrue(stored.put(m.getString("clientMsgId"), m.getInteger("seq")) == null, "stored once: " + m);
      }
      for (Chatter.Sent s : c.acked.values()) {
        assertEquals(s.seq(), stored.get(s.clientMsgId()), () -> "acknowledged " + s + " but the store has " + stored.get(s.clientMsgId()));
      }
      // A refused write took no seq: a client waiting for a skipped one would wait forever.
      List<Integer> seqs = stored.values().stream().sorted().toList();
      assertEquals(IntStream.rangeClosed(1, seqs.size()).boxed().toList(), seqs, c.userId + ": no seq skipped");
    }
  }

  private List<String> errors() {
    return chatters.stream().flatMap(c -> c.errors.stream()).map(f -> f.getError().getCode() + ": " + f.getError().getMessage())
        .distinct().toList();
  }

  private static List<Document> messagesOf(String conversationId) {
    try {
      return roomy.store().all(roomy.store().collection(Conversations.MESSAGES)
          .find(Filters.eq("conversationId", conversationId))).await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
