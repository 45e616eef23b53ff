package io.livedesk.server;

import io.livedesk.server.auth.AuthConfig;
import io.livedesk.server.auth.HttpAuth;
import io.livedesk.server.auth.SecureStart;
import io.livedesk.server.auth.TokenVerifier;
import io.livedesk.server.bot.Bot;
import io.livedesk.server.bot.BotConfig;
import io.livedesk.server.bot.KnowledgeBase;
import io.livedesk.server.cluster.ClusterConfig;
import io.livedesk.server.cluster.ClusterSetup;
import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.HttpConfig;
import io.livedesk.server.conversation.ConversationConfig;
import io.livedesk.server.conversation.ConversationFrames;
import io.livedesk.server.conversation.Conversations;
import io.livedesk.server.conversation.RulesTriage;
import io.livedesk.server.conversation.Lifecycle;
import io.livedesk.server.conversation.QuickReplies;
import io.livedesk.server.gateway.Delivery;
import io.livedesk.server.gateway.FrameRouter;
import io.livedesk.server.gateway.Gateway;
import io.livedesk.server.gateway.GatewayConfig;
import io.livedesk.server.gateway.GatewayServices;
import io.livedesk.server.gateway.HttpRoutes;
import io.livedesk.server.gateway.SessionEvents;
import io.livedesk.server.gateway.SessionFrames;
import io.livedesk.server.gateway.SessionRegistry;
import io.livedesk.server.metrics.EventLoopLag;
import io.livedesk.server.metrics.Health;
import io.livedesk.server.metrics.Metrics;
import io.livedesk.server.presence.Presence;
import io.livedesk.server.privacy.Audit;
import io.livedesk.server.privacy.Masking;
import io.livedesk.server.privacy.Privacy;
import io.livedesk.server.privacy.PrivacyConfig;
import io.livedesk.server.presence.PresenceConfig;
import io.livedesk.server.routing.DispatchConfig;
import io.livedesk.server.routing.Dispatcher;
import io.livedesk.server.routing.DispatcherClient;
import io.livedesk.server.routing.SlaCounts;
import io.livedesk.server.routing.ClassificationApi;
import io.livedesk.server.routing.Classifier;
import io.livedesk.server.routing.RoutingConfig;
import io.livedesk.server.push.PushConfig;
import io.livedesk.server.push.Pushes;
import io.livedesk.server.room.RoomConfig;
import io.livedesk.server.room.Rooms;
import io.livedesk.server.store.EmbeddedStore;
import io.livedesk.server.store.Store;
import io.livedesk.server.store.StoreConfig;
import io.livedesk.server.store.WriteBuffer;
import io.livedesk.server.web.WebRoutes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.transport.Transport;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Livedesk node: a clustered Vert.x instance, the store, and every concern wired together.
 * {@link #start(Config)} is all {@code Main} and the tests need.
 */
public final class Node {

  private static final Logger log = LoggerFactory.getLogger(Node.class);

  private final Config config;
  private final String mongoUri;
  private final Vertx vertx;
  private final HazelcastClusterManager cluster;
  private final EmbeddedStore embedded;
  private final Store store;
  private final Metrics metrics = new Metrics();
  private final SessionRegistry sessions;
  private final SessionEvents events = new SessionEvents();
  private final FrameRouter frames = new FrameRouter();
  private final Delivery delivery;
  private final WriteBuffer writes;
  private final Classifier classifier;
  private final Bot bot;
  private Rooms rooms;
  private final List<HttpRoutes> routes = new ArrayList<>();
  private final AtomicInteger port = new AtomicInteger();
  private Dispatcher dispatcher;

  private Node(Config config, String mongoUri, Vertx vertx, HazelcastClusterManager cluster, EmbeddedStore embedded,
               Store store, Classifier classifier, KnowledgeBase knowledge) {
    this.config = config;
    this.mongoUri = mongoUri;
    this.vertx = vertx;
    this.cluster = cluster;
    this.embedded = embedded;
    this.store = store;
    GatewayConfig gateway = GatewayConfig.from(config);
    this.sessions = new SessionRegistry(gateway.userFramesPerSecond(), gateway.userFrameBurst());
    this.delivery = new Delivery(vertx, sessions);
    StoreConfig storeConfig = StoreConfig.from(config);
    this.writes = new WriteBuffer(vertx, metrics, storeConfig.writeBuffer(), storeConfig.writeMaxWaitMs());
    this.classifier = classifier;
    this.bot = new Bot(knowledge, metrics);
  }

  public static Future<Node> start(Config config) {
    HttpConfig http;
    AuthConfig auth;
    ClusterConfig clusterConfig;
    Transport transport;
    try {
      http = HttpConfig.from(config);
      auth = AuthConfig.from(config);
      SecureStart.check(http, auth);
      clusterConfig = ClusterConfig.from(config);
      transport = http.vertxTransport();
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    GatewayConfig gateway = GatewayConfig.from(config);
    StoreConfig storeConfig = StoreConfig.from(config);
    // The embedded store opens (blocking: its file, then its indexes rebuilt from the documents) on
    // a thread of its own while this one builds the token parser and starts the cluster member:
    // none needs another until the node is wired, and run one after the other they made most of
    // the seconds a restarted node's sessions wait before they can come back.
    CompletableFuture<EmbeddedStore> opening = storeConfig.embedded()
        ? CompletableFuture.supplyAsync(() -> EmbeddedStore.start(Path.of(storeConfig.dataDir()), storeConfig.embeddedPort()),
            task -> new Thread(task, "livedesk-store-open").start())
        : CompletableFuture.completedFuture(null);
    TokenVerifier verifier;
    Classifier classifier;
    KnowledgeBase knowledge;
    HazelcastClusterManager clusterManager;
    try {
      verifier = new TokenVerifier(auth);
      // Rules and answers are read (blocking) before any event loop exists, and a bad file stops the node.
      classifier = Classifier.from(RoutingConfig.from(config));
      knowledge = KnowledgeBase.load(BotConfig.from(config));
      clusterManager = ClusterSetup.clusterManager(clusterConfig);
    } catch (RuntimeException e) {
      opening.thenAccept(Node::closeStore);
      throw e;
    }
    if (auth.usesDevSecret()) {
      log.warn("dev mode: tokens are checked with the built-in development secret; anyone on this machine can mint them");
    }
    VertxOptions options = new VertxOptions();
    ClusterSetup.eventBus(clusterConfig, options.getEventBusOptions());
    Future<EmbeddedStore> opened = Future.fromCompletionStage(opening);
    Future<Vertx> clustered = Vertx.builder().with(options).withTransport(transport)
        .withClusterManager(clusterManager).buildClustered();
    return Future.join(clustered, opened)
        .recover(e -> {
          // Whichever of the two came up goes down again; the store's failure is the one to tell.
          opened.onSuccess(Node::closeStore);
          Throwable cause = opened.failed() ? unwrap(opened.cause()) : clustered.cause();
          return clustered.succeeded() ? clustered.result().close().transform(v -> Future.failedFuture(cause))
              : Future.failedFuture(cause);
        })
        // Creating the Mongo client and wiring the concerns touch sockets and Hazelcast proxies: off the event loop.
        .compose(both -> {
          Vertx vertx = clustered.result();
          EmbeddedStore embedded = opened.result();
          String mongoUri = embedded != null ? embedded.uri() : storeConfig.mongoUri();
          return vertx.executeBlocking(() -> {
            Node node = new Node(config, mongoUri, vertx, clusterManager, embedded,
                new Store(vertx, mongoUri, storeConfig.database(), storeConfig.readTimeoutMs(), storeConfig.writeConcern()), classifier, knowledge);
            return node.deploy(http, gateway, auth, verifier).map(node);
          }).compose(started -> started);
        });
  }

  private static void closeStore(EmbeddedStore store) {
    if (store != null) {
      store.close();
    }
  }

  /** The store's own exception, not the wrapper its opening thread's future put around it. */
  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  private Future<Void> deploy(HttpConfig http, GatewayConfig gateway, AuthConfig auth, TokenVerifier verifier) {
    List<EventLoopLag> lagProbes = new CopyOnWriteArrayList<>();
    routes.add(new Health(cluster, store, metrics, lagProbes, sessions::size));
    ClassificationApi classification = new ClassificationApi(vertx, classifier, new HttpAuth(verifier), store);
    routes.add(classification);
    routes.add(new QuickReplies(store, new HttpAuth(verifier)));
    new SessionFrames(verifier).register(frames);
    rooms = new Rooms(vertx, cluster.getHazelcastInstance(), store, RoomConfig.from(config), nodeId(),
        new Masking(PrivacyConfig.from(config)), metrics);
    Pushes pushes = new Pushes(vertx, cluster.getHazelcastInstance(), store, sessions, rooms, verifier, metrics,
        PushConfig.from(config));
    routes.add(pushes.routes());
    Future<Void> concerns = rooms.start(frames, events).compose(v -> pushes.start(frames, events));
    Future<String> conversationsReady = conversations();
    Privacy privacy = new Privacy(store, writes, new HttpAuth(verifier), PrivacyConfig.from(config));
    routes.add(privacy.routes());
    Future<Void> privacyReady = privacy.start(vertx, cluster.getHazelcastInstance(), nodeId());
    routes.add(WebRoutes.of(http.dev(), auth));

    GatewayServices services = new GatewayServices(http, gateway, verifier, auth.helloTimeoutMs(),
        auth.clockSkewSeconds() * 1000L, nodeId(), sessions, delivery, frames, events, metrics, List.copyOf(routes),
        lagProbes, port, new ConcurrentHashMap<>());
    return Future.all(classification.restoreSaved(), concerns, conversationsReady, privacyReady)
        .compose(v -> vertx.deployVerticle(() -> new Gateway(services),
            new DeploymentOptions().setInstances(http.instances()).setThreadingModel(ThreadingModel.EVENT_LOOP)))
        .onSuccess(id -> log.info("node started node={} port={} cluster={} members={} gateways={} transport={} store={}", nodeId(), port(),
            clusterAddress(), clusterMembers(), http.instances(), vertx.isNativeTransportEnabled() ? "io_uring" : "nio", embedded != null ? "embedded" : "mongodb"))
        .mapEmpty();
  }

  /** Conversations, the dispatcher and presence: the customer-service heart. */
  private Future<String> conversations() {
    DispatchConfig routing = DispatchConfig.from(config);
    PresenceConfig presenceConfig = PresenceConfig.from(config);
    ConversationConfig conversationConfig = ConversationConfig.from(config);
    DispatcherClient dispatcherClient = new DispatcherClient(vertx);
    SlaCounts sla = new SlaCounts(metrics);
    Conversations conversations = new Conversations(store, writes, delivery, conversationConfig.maxMessagesStoring(), metrics);
    Lifecycle lifecycle = new Lifecycle(conversations, new RulesTriage(classifier, bot),
        new Masking(PrivacyConfig.from(config)), dispatcherClient, conversationConfig,
        routing.returningWindowMs(), sla, metrics);
    new ConversationFrames(lifecycle, conversations, dispatcherClient, delivery, conversationConfig, events, rooms::pinnedProduct,
        new Audit(store, writes)).register(frames);
    new Presence(vertx, nodeId(), dispatcherClient, delivery, presenceConfig, events).register(frames);
    dispatcher = new Dispatcher(cluster.getHazelcastInstance(), cluster::getNodes, routing, presenceConfig, delivery, lifecycle, metrics, sla, rooms::viewersByRoom);
    indexes(conversations);
    return vertx.deployVerticle(dispatcher);
  }

  /** Creates the conversation indexes, retrying while the store is away (a node may start before its MongoDB). */
  private void indexes(Conversations conversations) {
    conversations.createIndexes().onFailure(e -> {
      log.warn("cannot create the conversation indexes yet, retrying: {}", e.getMessage());
      vertx.setTimer(5000, t -> indexes(conversations));
    });
  }

  /** Whether this node runs the cluster's active dispatcher. */
  public boolean dispatching() {
    return dispatcher != null && dispatcher.active();
  }

  public Future<Void> stop() {
    return vertx.close().onComplete(ar -> {
      store.close();
      if (embedded != null) {
        embedded.close();
      }
    });
  }

  public int port() {
    return port.get();
  }

  /** Hazelcast members this node sees, itself included. */
  public int clusterMembers() {
    return cluster.getNodes().size();
  }

  /** Where this node's Hazelcast member listens ("host:port"), for other members to join. */
  public String clusterAddress() {
    com.hazelcast.cluster.Address a = cluster.getHazelcastInstance().getCluster().getLocalMember().getAddress();
    return a.getHost() + ":" + a.getPort();
  }

  public String nodeId() {
    return cluster.getNodeId();
  }

  /** The MongoDB this node writes to; for the embedded store, other local nodes may share it. */
  public String mongoUri() {
    return mongoUri;
  }

  public Vertx vertx() {
    return vertx;
  }

  public Config config() {
    return config;
  }

  /** The cluster's data grid: for tests that lose its state on purpose. */
  public com.hazelcast.core.HazelcastInstance hazelcast() {
    return cluster.getHazelcastInstance();
  }

  public Store store() {
    return store;
  }

  public Delivery delivery() {
    return delivery;
  }

  /** Durable writes that wait out a MongoDB outage within a bound. */
  public WriteBuffer writes() {
    return writes;
  }

  public SessionRegistry sessions() {
    return sessions;
  }

  public Rooms rooms() {
    return rooms;
  }

  public Metrics metrics() {
    return metrics;
  }

  public Classifier classifier() {
    return classifier;
  }

  public Bot bot() {
    return bot;
  }
}
