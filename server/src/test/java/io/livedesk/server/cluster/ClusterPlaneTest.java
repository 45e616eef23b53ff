package io.livedesk.server.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The cluster plane listens only where configured and deserializes only the classes it exchanges. */
class ClusterPlaneTest {

  private static final TestNodes nodes = new TestNodes();
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of());
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @Test
  void hazelcastListensOnTheClusterHostOnlyNotOnEveryInterface() throws IOException {
    int port = Integer.parseInt(node.clusterAddress().split(":")[1]);
    try (Socket configured = new Socket()) {
      configured.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    }
    // Another loopback address reaches a socket bound to all interfaces, never one bound to 127.0.0.1.
    assertThrows(ConnectException.class, () -> {
      try (Socket other = new Socket()) {
        other.connect(new InetSocketAddress("127.0.0.2", port), 5000);
      }
    });
  }

  @Test
  void aSerializableClassOutsideTheClustersOwnIsNotDeserialized() throws Exception {
    HazelcastInstance hazelcast = ((HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) node.vertx())
        .clusterManager()).getHazelcastInstance();
    IMap<String, Object> map = hazelcast.getMap("cluster-plane-test");
    map.put("allowed", new java.util.ArrayList<>(java.util.List.of("a")));
    assertEquals(java.util.List.of("a"), map.get("allowed"));
    map.put("gadget", new ObjectName("livedesk:type=probe"));
    RuntimeException refused = assertThrows(RuntimeException.class, () -> map.get("gadget"));
    assertEquals(true, String.valueOf(refused).contains("ObjectName") || String.valueOf(refused.getCause()).contains("ObjectName"),
        String.valueOf(refused));
  }

  /** Serializable, as any record can be made; Livedesk's own types travel in Compact instead. */
  record OwnSerializable(String text) implements java.io.Serializable {
  }

  @Test
  void noClassOfLivedesksOwnIsJavaDeserialized() {
    IMap<String, Object> map = node.hazelcast().getMap("cluster-plane-test");
    map.put("own", new OwnSerializable("x"));
    RuntimeException refused = assertThrows(RuntimeException.class, () -> map.get("own"));
    assertEquals(true, String.valueOf(refused).contains("OwnSerializable") || String.valueOf(refused.getCause()).contains("OwnSerializable"),
        String.valueOf(refused));
  }
}
