package io.livedesk.server.gateway;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.Setting;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Limits every WebSocket connection lives under; they are sent to the client in Welcome. */
public record GatewayConfig(int maxFrameBytes, int framesPerSecond, int frameBurst, int rateLimitStrikes,
                            int maxBadFrames, int maxConnectionsPerUser, int pingIntervalSeconds,
                            int idleTimeoutSeconds, int maxPendingWrites, int userFramesPerSecond,
                            int userFrameBurst, int connectsPerSecondPerIp, List<String> allowedOrigins,
                            int lagWindowSeconds, int handshakeTimeoutMs, int maxConnections,
                            int maxConnectionsPerIp, Set<String> trustedProxies, int maxPendingBytes) {

  public static final List<Setting> SETTINGS = List.of(
      Setting.of("gateway.maxFrameBytes", 65536, "largest frame accepted; a larger one closes the connection with 1009"),
      Setting.of("gateway.framesPerSecond", 20, "frames per second a connection may send, sustained"),
      Setting.of("gateway.frameBurst", 40, "frames a connection may send at once above the sustained rate"),
      Setting.of("gateway.rateLimitStrikes", 100, "frames refused for rate in a row before the connection is closed with 4008"),
      Setting.of("gateway.maxBadFrames", 20, "malformed or forbidden frames before the connection is closed with 4009"),
      Setting.of("gateway.maxConnectionsPerUser", 10, "open connections one user may hold on one node"),
      Setting.of("gateway.pingIntervalSeconds", 25, "how often the server sends a WebSocket ping"),
      Setting.of("gateway.idleTimeoutSeconds", 75, "a connection that sends nothing (not even a pong) this long is closed"),
      Setting.of("gateway.maxPendingWrites", 262144, "bytes queued to a socket before best-effort frames (room messages) to it are dropped; judged when a room's flush to it begins"),
      Setting.of("gateway.userFramesPerSecond", 50, "frames per second one user may send over all their connections to a node"),
      Setting.of("gateway.userFrameBurst", 100, "frames one user may send at once over all their connections to a node"),
      Setting.of("gateway.connectsPerSecondPerIp", 200, "WebSocket handshakes per second from one IP address (burst of twice that); more get HTTP 429"),
      Setting.of("gateway.allowedOrigins", "", "comma-separated browser origins allowed to open /ws (e.g. https://shop.example); empty allows any"),
      Setting.of("gateway.lagWindowSeconds", 10, "window over which livedesk_event_loop_lag_ms and /health report the worst event-loop delay"),
      Setting.of("gateway.handshakeTimeoutMs", 10000, "an HTTP connection that sends nothing this long (half a request line, an idle keep-alive) is closed; WebSockets live by gateway.idleTimeoutSeconds instead"),
      Setting.of("gateway.maxConnections", 50000, "open HTTP and WebSocket connections the node serves in all; more are closed at their first request"),
      Setting.of("gateway.maxConnectionsPerIp", 1000, "open HTTP and WebSocket connections the node serves from one address (trusted proxies excepted); more are closed at their first request"),
      Setting.of("gateway.maxPendingBytes", 4_194_304, "hard cap on bytes queued to one socket, every frame counted; past it the connection is closed with 4011 (at least gateway.maxPendingWrites)"),
      Setting.of("gateway.trustedProxies", "", "comma-separated addresses of reverse proxies whose X-Forwarded-For names the client; empty trusts no header"));

  public static GatewayConfig from(Config c) {
    return new GatewayConfig(c.positive("gateway.maxFrameBytes"), c.positive("gateway.framesPerSecond"),
        c.positive("gateway.frameBurst"), c.positive("gateway.rateLimitStrikes"), c.positive("gateway.maxBadFrames"),
        c.positive("gateway.maxConnectionsPerUser"), c.positive("gateway.pingIntervalSeconds"),
        c.positive("gateway.idleTimeoutSeconds"), c.positive("gateway.maxPendingWrites"),
        c.positive("gateway.userFramesPerSecond"), c.positive("gateway.userFrameBurst"),
        c.positive("gateway.connectsPerSecondPerIp"),
        list(c.string("gateway.allowedOrigins")),
        c.positive("gateway.lagWindowSeconds"), c.positive("gateway.handshakeTimeoutMs"),
        c.positive("gateway.maxConnections"), c.positive("gateway.maxConnectionsPerIp"),
        Set.copyOf(list(c.string("gateway.trustedProxies"))), pendingBytes(c));
  }

  private static int pendingBytes(Config c) {
    int hard = c.positive("gateway.maxPendingBytes");
    if (hard < c.positive("gateway.maxPendingWrites")) {
      throw new ConfigException("in gateway.maxPendingBytes: " + hard + " is below gateway.maxPendingWrites");
    }
    return hard;
  }

  private static List<String> list(String commaSeparated) {
    return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(o -> !o.isEmpty()).toList();
  }
}
