package io.livedesk.server.config;

import java.util.List;

/** Where the node listens and whether it runs in development mode. */
public record HttpConfig(String host, int port, boolean dev, int instances) {

  public static final List<Setting> SETTINGS = List.of(
      new Setting("http.port", "LIVEDESK_PORT", 8080, "HTTP and WebSocket port (0 picks a free port)"),
      new Setting("http.host", "LIVEDESK_HOST", "0.0.0.0", "address to bind the HTTP and WebSocket server to"),
      new Setting("dev", "LIVEDESK_DEV", false, "development mode: allows the built-in token secret and the dev login page"),
      Setting.of("http.instances", 0, "gateway verticle instances; 0 means one per core"));

  public static HttpConfig from(Config c) {
    int port = c.nonNegative("http.port");
    if (port > 65535) {
      throw new ConfigException("in http.port: " + port + " is not a port number");
    }
    int instances = c.nonNegative("http.instances");
    return new HttpConfig(c.string("http.host"), port, c.bool("dev"),
        instances == 0 ? Runtime.getRuntime().availableProcessors() : instances);
  }
}
