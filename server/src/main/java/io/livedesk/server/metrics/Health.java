package io.livedesk.server.metrics;

import io.livedesk.server.gateway.HttpRoutes;
import io.livedesk.server.store.Store;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * {@code /health} answers 200 when the node is ready (cluster joined, MongoDB answering) and 503
 * otherwise; {@code /health/live} answers 200 while the process serves HTTP at all;
 * {@code /metrics} is the Prometheus scrape.
 */
public final class Health implements HttpRoutes {

  /** An event loop this late is reported as degraded. */
  public static final long LAG_DEGRADED_MS = 500;
  private static final long STORE_PING_TIMEOUT_MS = 2000;

  private final ClusterManager cluster;
  private final Store store;
  private final Metrics metrics;
  private final List<EventLoopLag> lagProbes;
  private final IntSupplier connections;

  public Health(ClusterManager cluster, Store store, Metrics metrics, List<EventLoopLag> lagProbes,
                IntSupplier connections) {
    this.cluster = cluster;
    this.store = store;
    this.metrics = metrics;
    this.lagProbes = lagProbes;
    this.connections = connections;
    metrics.gauge("livedesk_connections", "authenticated WebSocket sessions on this node", connections::getAsInt);
    metrics.gauge("livedesk_event_loop_lag_ms", "worst event-loop delay over the last lag window (gateway.lagWindowSeconds)", this::worstLagMs);
    metrics.gauge("livedesk_cluster_members", "Hazelcast members this node sees", () -> cluster.getNodes().size());
  }

  @Override
  public void mount(Router router) {
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/health").handler(this::ready);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
  }

  private void ready(RoutingContext ctx) {
    boolean clusterUp = cluster.getNodes().contains(cluster.getNodeId());
    long lag = worstLagMs();
    // A store that does not answer fails the ping on the timer's thread: answer on the request's own context.
    Context context = Vertx.currentContext();
    storeAnswers().onComplete(store -> context.runOnContext(v -> {
      boolean ready = clusterUp && store.succeeded();
      JsonObject body = new JsonObject()
          .put("status", ready ? "UP" : "DOWN")
          .put("node", cluster.getNodeId())
          .put("cluster", new JsonObject().put("joined", clusterUp).put("members", cluster.getNodes().size()))
          .put("store", new JsonObject().put("up", store.succeeded()))
          .put("eventLoop", new JsonObject().put("lagMs", lag).put("degraded", lag >= LAG_DEGRADED_MS))
          .put("connections", connections.getAsInt());
      ctx.response().setStatusCode(ready ? 200 : 503);
      ctx.json(body);
    }));
  }

  private Future<Void> storeAnswers() {
    return store.ping().timeout(STORE_PING_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  long worstLagMs() {
    return lagProbes.stream().mapToLong(EventLoopLag::worstRecentMs).max().orElse(0);
  }
}
