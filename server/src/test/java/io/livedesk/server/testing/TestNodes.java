package io.livedesk.server.testing;

import io.livedesk.server.Node;
import io.livedesk.server.config.Config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Starts real nodes for tests: clustered Vert.x on Hazelcast (loopback, a cluster name of their
 * own so parallel runs never meet), the embedded store in a fresh directory, a free port.
 */
public final class TestNodes implements AutoCloseable {

  public static final String SECRET = "test-secret-test-secret-test-secret-0123456789";

  private final String clusterName = "test-" + UUID.randomUUID();
  /**
   * Hazelcast ports of its own, so that concurrent test runs on one machine never crowd each other;
   * below the kernel's ephemeral range (32768+), where client sockets could hold the port.
   */
  private final int clusterPort = 10_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(1_000) * 20;
  private final List<Node> nodes = new ArrayList<>();
  private String sharedMongoUri;

  /** Settings every test node gets; a test adds or overrides with {@code overrides}. */
  public static Map<String, Object> baseSettings() {
    Map<String, Object> s = new HashMap<>();
    s.put("http.port", 0);
    s.put("http.host", "127.0.0.1");
    s.put("http.instances", 2);
    s.put("auth.jwtSecret", SECRET);
    return s;
  }

  /** Starts one more node of this cluster; all nodes share the first node's embedded store. */
  public Node start(Map<String, Object> overrides) {
    Map<String, Object> settings = baseSettings();
    settings.put("cluster.name", clusterName);
    settings.put("cluster.port", clusterPort);
    // Join where the first member really listens: Hazelcast moves up a port when one is taken.
    settings.put("cluster.members", nodes.isEmpty() ? "127.0.0.1:" + clusterPort : nodes.get(0).clusterAddress());
    if (sharedMongoUri != null) {
      settings.put("store.mongoUri", sharedMongoUri);
    } else {
      settings.put("store.dataDir", tempDir());
    }
    settings.putAll(overrides);
    try {
      Node node = Node.start(Config.of(settings)).await(90, TimeUnit.SECONDS);
      awaitMembers(node, nodes.size() + 1);
      if (sharedMongoUri == null) {
        sharedMongoUri = node.mongoUri();
      }
      nodes.add(node);
      return node;
    } catch (Exception e) {
      throw new IllegalStateException("node did not start", e);
    }
  }

  /**
   * A node that failed to join (a busy machine can make Hazelcast's join time out) would run as a
   * cluster of its own and make cluster tests fail in confusing ways; fail here instead.
   */
  private static void awaitMembers(Node node, int expected) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (node.clusterMembers() != expected && System.nanoTime() < until) {
      node.vertx().timer(50).await();
    }
    if (node.clusterMembers() != expected) {
      throw new IllegalStateException("node sees " + node.clusterMembers() + " cluster members, expected " + expected);
    }
  }

  public Node start() {
    return start(Map.of());
  }

  public List<Node> nodes() {
    return nodes;
  }

  /** Stops a node abruptly as far as the others can tell (its Hazelcast member leaves). */
  public void stop(Node node) {
    nodes.remove(node);
    try {
      node.stop().await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    // Stop the node that owns the embedded store last, so the others never lose it mid-stop.
    for (int i = nodes.size() - 1; i >= 0; i--) {
      try {
        nodes.get(i).stop().await(60, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // best effort in teardown
      }
    }
    nodes.clear();
  }

  /** The value of an unlabelled metric in the node's Prometheus scrape; NaN when absent. */
  public static double metric(Node node, String name) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(name) + " (\\S+)$")
        .matcher(node.metrics().scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  public static String tempDir() {
    try {
      return Files.createTempDirectory("livedesk-test").toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
