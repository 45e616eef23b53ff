package io.livedesk.server.faults;

import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.HistoryRequest;
import io.livedesk.server.Node;
import io.livedesk.server.store.EmbeddedStore;
import io.livedesk.server.testing.Desk;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MongoDB that keeps its connections open but stops answering (a hung server, a network that
 * drops packets): requests get a clear, retryable STORE_UNAVAILABLE instead of waiting forever,
 * and the node works again once the store answers.
 */
class SilentStoreTest {

  private final Vertx vertx = Vertx.vertx();
  private final AtomicBoolean silent = new AtomicBoolean();
  private EmbeddedStore store;
  private NetServer proxy;
  /** Held for the whole test: Vert.x closes a client that is no longer referenced, and its sockets with it. */
  private NetClient toStore;
  private TestNodes nodes;
  private Node node;

  @BeforeEach
  void start() throws Exception {
    store = EmbeddedStore.start(Path.of(TestNodes.tempDir()), 0);
    int storePort = Integer.parseInt(store.uri().substring(store.uri().lastIndexOf(':') + 1));
    // A proxy in front of the store that, when silent, swallows everything the store answers.
    toStore = vertx.createNetClient();
    proxy = vertx.createNetServer().connectHandler(client -> {
      client.pause(); // what the driver sends first waits for the store's side of the pipe
      toStore.connect(storePort, "127.0.0.1")
          .onSuccess(server -> pipe(client, server))
          .onFailure(e -> client.close());
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    nodes = new TestNodes();
    node = nodes.start(Map.of("store.mongoUri", "mongodb://127.0.0.1:" + proxy.actualPort(), "store.readTimeoutMs", 2000));
  }

  private void pipe(NetSocket client, NetSocket server) {
    client.handler(server::write);
    server.handler(b -> {
      if (!silent.get()) {
        client.write(b);
      }
    });
    client.closeHandler(v -> server.close());
    server.closeHandler(v -> client.close());
    client.resume();
  }

  @AfterEach
  void stop() {
    nodes.close();
    proxy.close();
    toStore.close();
    store.close();
    vertx.close();
  }

  @Test
  void aStoreThatStopsAnsweringGivesStoreUnavailableAndTheNodeRecoversWhenItAnswersAgain() {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("hung-cust", "customer"))) {
      Conversation asked = Desk.ask(customer, "human please: where is my parcel?");
      Frame.Builder history = Frame.newBuilder().setHistory(HistoryRequest.newBuilder().setConversationId(asked.getId()));

      silent.set(true);
      Frame refused = customer.request(history);
      assertEquals(ErrorCode.STORE_UNAVAILABLE, refused.getError().getCode(), refused::toString);
      assertTrue(refused.getError().getRetryable());

      silent.set(false);
      Frame page = null;
      for (int attempt = 0; attempt < 20 && (page == null || page.hasError()); attempt++) {
        page = customer.request(history); // the client retries as the error says
      }
      assertTrue(page.hasHistoryPage(), page::toString);
    }
  }
}
