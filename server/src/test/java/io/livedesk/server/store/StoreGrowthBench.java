package io.livedesk.server.store;

import io.livedesk.protocol.Ask;
import io.livedesk.protocol.ConversationCursor;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.HistoryRequest;
import io.livedesk.protocol.Resume;
import io.livedesk.protocol.Send;
import io.livedesk.server.conversation.Conversations;
import io.livedesk.server.testing.NodeProcess;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import org.bson.Document;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Does the store keep its speed as the data grows? One node (a process of its own, the embedded
 * store inside it, as a shop runs it): ask, history and resume latency measured one request at a
 * time on the empty store, then again after loading {@code conversations} closed conversations
 * and {@code messages} messages straight through the driver into the same running node's store.
 * {@code load-tests/bench/store-growth.sh} runs it.
 *
 * <p>Arguments: conversations messages samples dir
 */
public final class StoreGrowthBench {

  private static final int CUSTOMERS = 50_000;

  public static void main(String[] args) throws Exception {
    int conversations = Integer.parseInt(args[0]);
    int messages = Integer.parseInt(args[1]);
    int samples = Integer.parseInt(args[2]);
    Path dir = Files.createDirectories(Path.of(args[3]));
    int storePort = NodeProcess.freePort();
    Map<String, Object> settings = new HashMap<>();
    settings.put("auth.jwtSecret", TestNodes.SECRET);
    settings.put("store.dataDir", dir.resolve("data").toString());
    settings.put("store.embeddedPort", storePort);
    settings.put("cluster.port", 10_000 + new Random().nextInt(1_000) * 20);
    settings.put("gateway.connectsPerSecondPerIp", 1_000_000);
    Vertx vertx = Vertx.vertx();
    try (NodeProcess node = new NodeProcess("growth-node", dir, settings)
        .heap(System.getProperty("growth.heap", "3g")).start(Duration.ofSeconds(120));
         Store store = new Store(vertx, "mongodb://127.0.0.1:" + storePort, "livedesk")) {
      List<String> rows = new ArrayList<>();
      measure("warm-up (not reported)", node, Math.max(10, samples / 4), 2); // JIT and caches, so "empty" is not its cold start
      rows.add(measure("empty", node, samples, 0));
      long started = System.nanoTime();
      load(store, conversations, messages);
      long loadMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      System.out.printf("LOADED %d conversations, %d messages in %.1f s%n", conversations, messages, loadMs / 1000.0);
      rows.add(measure(conversations + " conversations, " + messages + " messages", node, samples, 1));
      System.out.println("RESULT | data stored | ask -> conversation p50 / p99 | history (50) p50 / p99 | resume (50 missed) p50 / p99 |");
      rows.forEach(r -> System.out.println("RESULT " + r));
    } finally {
      vertx.close();
    }
  }

  /** One customer at a time, as the issue measured: asks by customers with a history, then history and resume pages. */
  private static String measure(String label, NodeProcess node, int samples, int phase) {
    Random random = new Random(phase);
    long[] ask = new long[samples];
    for (int i = 0; i < samples; i++) {
      // in the loaded phase, a customer with four earlier conversations (repeat counts, previous agent)
      String user = phase != 1 ? "fresh-" + phase + "-" + i : "cust-" + random.nextInt(CUSTOMERS);
      try (WsClient c = WsClient.connect(node.port(), Tokens.of(user, "customer"))) {
        long t0 = System.nanoTime();
        Frame reply = c.requestKeepingOthers(Frame.newBuilder().setAsk(Ask.newBuilder()
            .setText("how long does shipping take?").setClientMsgId("growth-" + phase + "-" + i)));
        ask[i] = System.nanoTime() - t0;
        if (!reply.hasConversation()) {
          throw new IllegalStateException("ask answered " + reply);
        }
        c.request(Frame.newBuilder().setClose(io.livedesk.protocol.CloseConversation.newBuilder()
            .setConversationId(reply.getConversation().getConversation().getId())));
      }
    }
    long[] history = new long[samples];
    long[] resume = new long[samples];
    try (WsClient c = WsClient.connect(node.port(), Tokens.of("growth-reader-" + phase, "customer"))) {
      String id = c.requestKeepingOthers(Frame.newBuilder().setAsk(Ask.newBuilder().setText("how long does shipping take?")
          .setClientMsgId("reader-" + phase))).getConversation().getConversation().getId();
      int last = 0;
      for (int m = 0; m < 100; m++) {
        // paced below the connection's frame rate
        Frame ack = c.requestKeepingOthers(Frame.newBuilder().setSend(Send.newBuilder().setConversationId(id)
            .setClientMsgId("r-" + m).setText("line " + m)));
        last = ack.getAck().getSeq();
        pause(60);
      }
      for (int i = 0; i < samples; i++) {
        long t0 = System.nanoTime();
        Frame page = c.requestKeepingOthers(Frame.newBuilder().setHistory(HistoryRequest.newBuilder().setConversationId(id).setLimit(50)));
        history[i] = System.nanoTime() - t0;
        if (page.getHistoryPage().getMessagesCount() != 50) {
          throw new IllegalStateException("history answered " + page.getHistoryPage().getMessagesCount() + " messages");
        }
        pause(60);
        t0 = System.nanoTime();
        c.send(Frame.newBuilder().setResume(Resume.newBuilder().addCursors(ConversationCursor.newBuilder()
            .setConversationId(id).setLastSeq(last - 50))));
        c.await(Frame::hasResumed);
        resume[i] = System.nanoTime() - t0;
        c.drain();
        pause(60);
      }
    }
    return String.format("| %s | %s | %s | %s |", label, p(ask), p(history), p(resume));
  }

  /** Closed conversations of 50,000 customers and their messages, in batches straight through the driver. */
  private static void load(Store store, int conversations, int messages) throws Exception {
    var convs = store.collection(Conversations.CONVERSATIONS);
    var msgs = store.collection(Conversations.MESSAGES);
    String[] intents = {"shipping", "size", "payment", "returns", "coupon"};
    int perConversation = Math.max(1, messages / conversations);
    long now = System.currentTimeMillis();
    List<Document> batch = new ArrayList<>();
    List<Document> messageBatch = new ArrayList<>();
    for (int i = 0; i < conversations; i++) {
      String id = "loaded-" + i;
      String customer = "cust-" + (i % CUSTOMERS);
      long at = now - TimeUnit.DAYS.toMillis(30) + i * 10L;
      batch.add(new Document("_id", id).append("state", i % 2 == 0 ? "RESOLVED" : "CLOSED").append("intent", intents[i % 5])
          .append("tier", "normal").append("rank", 1).append("customerId", customer).append("customerName", customer)
          .append("askId", "ask-" + id).append("agentId", "agent-" + (i % 500)).append("agentName", "Agent")
          .append("createdAt", at).append("lastActivityAt", at).append("closedAt", at + 60_000)
          .append("lastSeq", perConversation).append("sla", "MET"));
      for (int s = 1; s <= perConversation; s++) {
        messageBatch.add(new Document("_id", id + ":" + s).append("conversationId", id).append("seq", s)
            .append("senderId", s % 2 == 1 ? customer : "agent-" + (i % 500)).append("senderName", "x")
            .append("senderRole", s % 2 == 1 ? "CUSTOMER" : "AGENT").append("text", "a stored line of chat " + s)
            .append("clientMsgId", "m-" + s).append("at", at + s * 1000L));
      }
      if (batch.size() == 1000) {
        flush(store, convs, batch);
        flush(store, msgs, messageBatch);
      }
    }
    flush(store, convs, batch);
    flush(store, msgs, messageBatch);
  }

  private static void flush(Store store, com.mongodb.reactivestreams.client.MongoCollection<Document> c, List<Document> docs)
      throws Exception {
    if (!docs.isEmpty()) {
      store.first(c.insertMany(new ArrayList<>(docs))).await(120, TimeUnit.SECONDS);
      docs.clear();
    }
  }

  private static String p(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return String.format("%.1f / %.1f ms", sorted[sorted.length / 2] / 1e6, sorted[(int) Math.min(sorted.length - 1,
        Math.ceil(sorted.length * 0.99) - 1)] / 1e6);
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms); // pacing below the gateway's frame rate, not waiting for anything
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
