package io.livedesk.server.cluster;

import com.hazelcast.config.Config;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Hazelcast files shipped in cluster-config/ cannot rot: each loads, and the one-node file runs a node. */
class ClusterConfigFilesTest {

  private static final Path DIR = Path.of("..", "cluster-config");

  static Stream<Path> hazelcastFiles() throws IOException {
    return Files.list(DIR).filter(p -> p.getFileName().toString().matches("hazelcast-.*\\.(xml|ya?ml)")).sorted();
  }

  @Test
  void thereIsAFileForOneNodeFixedMembersAndKubernetes() throws IOException {
    assertEquals(3, hazelcastFiles().count());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hazelcastFiles")
  void eachFileLoadsThroughTheNodesLoaderWithTheMapsVertxNeeds(Path file) {
    Config config = ClusterSetup.hazelcastConfig(new ClusterConfig(file.toString(), "ignored", "127.0.0.1", 5701, ""));
    assertEquals("livedesk", config.getClusterName());
    assertFalse(config.getNetworkConfig().getJoin().getMulticastConfig().isEnabled(), "multicast must stay off");
    assertTrue(config.getMultiMapConfigs().containsKey("__vertx.subs"));
    assertTrue(config.getMapConfigs().containsKey("__vertx.haInfo"));
    assertTrue(config.getMapConfigs().containsKey("__vertx.nodeInfo"));
    assertTrue(config.getSerializationConfig().getJavaSerializationFilterConfig() != null, "no deserialization filter");
    if (config.getNetworkConfig().getInterfaces().isEnabled()) {
      assertEquals("false", config.getProperty("hazelcast.socket.bind.any"), "binds every interface");
    }
  }

  /** Without a file the node builds vertx-hazelcast's default-cluster.xml in code; it must not drift from the file. */
  @Test
  void theDefaultsBuiltInCodeAreVertxsDefaultClusterFile() {
    Config file = io.vertx.spi.cluster.hazelcast.ConfigUtil.loadConfig();
    Config code = ClusterSetup.vertxDefaults();
    assertEquals(file.getMapConfigs(), code.getMapConfigs());
    assertEquals(file.getMultiMapConfigs(), code.getMultiMapConfigs());
    assertEquals(file.getListConfigs(), code.getListConfigs());
    assertEquals(file.getSetConfigs(), code.getSetConfigs());
    assertEquals(file.getQueueConfigs(), code.getQueueConfigs());
    assertEquals(file.getProperties(), code.getProperties());
    assertEquals(file.getCPSubsystemConfig(), code.getCPSubsystemConfig());
  }

  @Test
  void theKubernetesManifestsAreYamlWithProbesOnTheHealthEndpoints() throws IOException {
    try (Stream<Path> files = Files.list(DIR.resolve("kubernetes"))) {
      for (Path file : files.toList()) {
        Map<String, Object> doc = new org.yaml.snakeyaml.Yaml().load(Files.readString(file));
        assertTrue(doc.containsKey("apiVersion") && doc.containsKey("kind"), file + " is not a Kubernetes object");
      }
    }
    String statefulSet = Files.readString(DIR.resolve("kubernetes/statefulset.yaml"));
    assertTrue(statefulSet.matches("(?s).*readinessProbe:\\s+httpGet:\\s+path: /health\\s.*"));
    assertTrue(statefulSet.matches("(?s).*livenessProbe:\\s+httpGet:\\s+path: /health/live\\s.*"));
  }

  @Test
  void theOneNodeFileStartsANodeThatStaysAlone() throws Exception {
    Map<String, Object> settings = TestNodes.baseSettings();
    settings.put("cluster.config", DIR.resolve("hazelcast-single.xml").toString());
    settings.put("store.dataDir", TestNodes.tempDir());
    Node node = Node.start(io.livedesk.server.config.Config.of(settings)).await(90, TimeUnit.SECONDS);
    try {
      assertTrue(node.vertx().isClustered());
      assertEquals(1.0, TestNodes.metric(node, "livedesk_cluster_members"));
    } finally {
      node.stop().await(60, TimeUnit.SECONDS);
    }
  }
}
