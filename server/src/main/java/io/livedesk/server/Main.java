package io.livedesk.server;

import io.livedesk.server.auth.AuthConfig;
import io.livedesk.server.auth.Role;
import io.livedesk.server.auth.TokenMinter;
import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.HttpConfig;
import io.livedesk.server.store.EmbeddedStore;
import io.livedesk.server.store.StoreConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar livedesk-server.jar} starts a node;
 * {@code java -jar livedesk-server.jar token --sub alice --role customer} mints a development token;
 * {@code java -jar livedesk-server.jar store} runs the embedded store alone;
 * {@code java -XX:ArchiveClassesAtExit=FILE -jar livedesk-server.jar warmup} starts a node and
 * stops it, leaving a class data archive for faster starts (see {@link #warmup}).
 */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    Config config;
    try {
      config = Config.load(System.getenv());
    } catch (ConfigException e) {
      System.err.println("livedesk: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (args.length > 0 && args[0].equals("token")) {
      System.exit(token(config, Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0 && args[0].equals("store")) {
      store(config);
      return;
    }
    if (args.length > 0 && args[0].equals("warmup")) {
      System.exit(warmup(config));
    }
    if (args.length > 0 && !args[0].equals("run")) {
      System.err.println("usage: livedesk-server.jar [run] | store | warmup | token --sub ID [--role R[,R]] [--tags T[,T]] [--name N] [--ttl SECONDS]");
      System.exit(2);
    }
    run(config);
  }

  private static void run(Config config) throws InterruptedException {
    Node node;
    try {
      node = Node.start(config).await(120, TimeUnit.SECONDS);
    } catch (ConfigException e) {
      System.err.println("livedesk: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    } catch (Exception e) {
      System.err.println("livedesk: could not start: " + e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.stop().onComplete(ar -> stopped.countDown());
      try {
        stopped.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
    }, "livedesk-shutdown"));
    int port = node.port();
    System.out.println();
    System.out.println("Livedesk is running on this node.");
    System.out.println("  WebSocket: ws://localhost:" + port + "/ws   (JSON by default; subprotocol livedesk.protobuf for binary)");
    System.out.println("  Health:    http://localhost:" + port + "/health    Metrics: http://localhost:" + port + "/metrics");
    if (HttpConfig.from(config).dev()) {
      System.out.println("  Dev token: java -jar server/target/livedesk-server.jar token --sub alice --role customer");
    }
    System.out.println();
  }

  /**
   * Starts a node on the given settings and stops it again. Run once with
   * {@code -XX:ArchiveClassesAtExit=FILE}, the JVM leaves in FILE the classes a start loads, already
   * parsed, verified and linked; a node started with {@code -XX:SharedArchiveFile=FILE} maps them
   * instead of reading ~12,800 classes from the jar. Measured on 2 busy cores: a start's CPU 8.7-9.1 s
   * to 5.5-5.6 s, launch to /health 9.2-10.0 s to 6.5-6.8 s. A JVM whose archive does not match its jar
   * says so and starts without it.
   */
  static int warmup(Config config) {
    try {
      Node node = Node.start(config).await(120, TimeUnit.SECONDS);
      node.stop().await(60, TimeUnit.SECONDS);
      return 0;
    } catch (Exception e) {
      System.err.println("livedesk warmup: could not start and stop a node: " + e);
      return 1;
    }
  }

  /**
   * Only the embedded store (store.dataDir, store.embeddedPort), for local nodes that share it
   * through store.mongoUri and for store outage drills; stops cleanly on SIGTERM.
   */
  private static void store(Config config) {
    StoreConfig settings = StoreConfig.from(config);
    EmbeddedStore store = EmbeddedStore.start(Path.of(settings.dataDir()), settings.embeddedPort());
    Runtime.getRuntime().addShutdownHook(new Thread(store::close, "livedesk-store-shutdown"));
    System.out.println("Livedesk embedded store at " + store.uri() + " (data in " + settings.dataDir() + ")");
  }

  static int token(Config config, String[] args) {
    AuthConfig auth = AuthConfig.from(config);
    if ((auth.usesDevSecret() && !HttpConfig.from(config).dev()) || auth.secret().isEmpty()) {
      System.err.println("livedesk token: no secret of your own to mint with.\n"
          + "Set LIVEDESK_DEV=true to try things out, or LIVEDESK_JWT_SECRET to the server's real secret.");
      return 2;
    }
    String sub = null;
    String name = null;
    List<Role> roles = new ArrayList<>();
    List<String> tags = new ArrayList<>();
    long ttl = 3600;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String value = args[i + 1];
      switch (args[i]) {
        case "--sub" -> sub = value;
        case "--name" -> name = value;
        case "--role", "--roles" -> {
          for (String r : value.split(",")) {
            roles.add(Role.parse(r.trim()).orElseThrow(() -> new IllegalArgumentException("unknown role " + r)));
          }
        }
        case "--tags" -> tags.addAll(Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
        case "--ttl" -> ttl = Long.parseLong(value);
        default -> {
          System.err.println("livedesk token: unknown option " + args[i]);
          return 2;
        }
      }
    }
    if (sub == null || sub.isBlank()) {
      System.err.println("livedesk token: --sub is required");
      return 2;
    }
    if (roles.isEmpty()) {
      roles.add(Role.VIEWER);
    }
    System.out.println(new TokenMinter(auth).mint(sub, name, roles, tags, Duration.ofSeconds(ttl)));
    return 0;
  }
}
