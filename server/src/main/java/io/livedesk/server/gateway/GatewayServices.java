package io.livedesk.server.gateway;

import io.livedesk.server.auth.TokenVerifier;
import io.livedesk.server.config.HttpConfig;
import io.livedesk.server.metrics.EventLoopLag;
import io.livedesk.server.metrics.Metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** What every gateway instance of a node shares. Built once by the node. */
public record GatewayServices(HttpConfig http, GatewayConfig config, TokenVerifier verifier, int helloTimeoutMs,
                              long clockSkewMs, String nodeId, SessionRegistry sessions, Delivery delivery,
                              FrameRouter frames, SessionEvents events, Metrics metrics, List<HttpRoutes> routes,
                              List<EventLoopLag> lagProbes, AtomicInteger boundPort,
                              Map<String, TokenBucket> handshakesByIp, Connections connections) {

  public GatewayServices(HttpConfig http, GatewayConfig config, TokenVerifier verifier, int helloTimeoutMs,
                         long clockSkewMs, String nodeId, SessionRegistry sessions, Delivery delivery,
                         FrameRouter frames, SessionEvents events, Metrics metrics, List<HttpRoutes> routes,
                         List<EventLoopLag> lagProbes, AtomicInteger boundPort, Map<String, TokenBucket> handshakesByIp) {
    this(http, config, verifier, helloTimeoutMs, clockSkewMs, nodeId, sessions, delivery, frames, events, metrics, routes,
        lagProbes, boundPort, handshakesByIp,
        new Connections(config.maxConnections(), config.maxConnectionsPerIp(), config.trustedProxies()));
  }
}
