package io.livedesk.server.config;

import io.vertx.core.transport.Transport;

import java.util.List;

/** Where the node listens, how its sockets are driven and whether it runs in development mode. */
public record HttpConfig(String host, int port, boolean dev, int instances, String transport) {

  public static final List<Setting> SETTINGS = List.of(
      new Setting("http.port", "LIVEDESK_PORT", 8080, "HTTP and WebSocket port (0 picks a free port)"),
      new Setting("http.host", "LIVEDESK_HOST", "0.0.0.0", "address to bind the HTTP and WebSocket server to"),
      new Setting("dev", "LIVEDESK_DEV", false, "development mode: allows the built-in token secret and the dev login page"),
      Setting.of("http.instances", 0, "gateway verticle instances; 0 means one per core"),
      Setting.of("http.transport", "nio", "how the event loops drive sockets: nio (the JDK's selector), io_uring (Linux; a loop's writes to many sockets "
          + "leave in one system call: less CPU for rooms, longer event-loop stalls under a flood, see the README), or auto: io_uring where the kernel allows it, else nio"));

  public static HttpConfig from(Config c) {
    int port = c.nonNegative("http.port");
    if (port > 65535) {
      throw new ConfigException("in http.port: " + port + " is not a port number");
    }
    int instances = c.nonNegative("http.instances");
    String transport = c.string("http.transport").trim();
    if (!List.of("auto", "io_uring", "nio").contains(transport)) {
      throw new ConfigException("in http.transport: '" + transport + "' is not auto, io_uring or nio");
    }
    return new HttpConfig(c.string("http.host"), port, c.bool("dev"),
        instances == 0 ? Runtime.getRuntime().availableProcessors() : instances, transport);
  }

  /**
   * The transport the node runs on. io_uring asked for where the kernel refuses it (an old kernel,
   * {@code kernel.io_uring_disabled}, a container's seccomp profile) stops the start: a node runs
   * as configured or not at all; auto falls back to nio there.
   */
  public Transport vertxTransport() {
    return choose(transport, Transport.IO_URING.available(), Transport.IO_URING.unavailabilityCause());
  }

  static Transport choose(String transport, boolean ioUringAvailable, Throwable whyNot) {
    return switch (transport) {
      case "nio" -> Transport.NIO;
      case "io_uring" -> {
        if (!ioUringAvailable) {
          throw new ConfigException("in http.transport: io_uring is not available here (" + whyNot + "); use auto or nio");
        }
        yield Transport.IO_URING;
      }
      default -> ioUringAvailable ? Transport.IO_URING : Transport.NIO;
    };
  }
}
