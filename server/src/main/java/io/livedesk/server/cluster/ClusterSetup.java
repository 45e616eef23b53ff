package io.livedesk.server.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.FileSystemYamlConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import com.hazelcast.internal.util.ConcurrencyUtil;

import java.io.FileNotFoundException;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds the Hazelcast configuration behind the Vert.x cluster manager. */
public final class ClusterSetup {

  private static final AtomicInteger CALLBACK_THREADS = new AtomicInteger();
  /** Runs Hazelcast's future callbacks where the common pool has one thread; see {@link #reuseCallbackThreads}. */
  private static final Executor CALLBACKS = Executors.newCachedThreadPool(task -> {
    Thread t = new Thread(task, "hz-callback-" + CALLBACK_THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  private ClusterSetup() {
  }

  public static HazelcastClusterManager clusterManager(ClusterConfig cluster) {
    reuseCallbackThreads();
    return new HazelcastClusterManager(hazelcastConfig(cluster));
  }

  /**
   * Hazelcast runs the callbacks of its futures (every {@code getAsync}, {@code submitToKey}, and
   * the event bus's own lookups) on ForkJoinPool's common pool, and when that pool has a single
   * thread, as on a machine with two cores, on a brand-new thread per callback: each join and each
   * room message started two or three threads. A cached pool runs them on reused threads instead,
   * and still never makes one callback wait for another.
   */
  static synchronized void reuseCallbackThreads() {
    if (ForkJoinPool.getCommonPoolParallelism() > 1 || ConcurrencyUtil.getDefaultAsyncExecutor() == CALLBACKS) {
      return;
    }
    ConcurrencyUtil.setDefaultAsyncExecutor(CALLBACKS);
  }

  static Config hazelcastConfig(ClusterConfig cluster) {
    Config config;
    if (cluster.configFile() != null && !cluster.configFile().isBlank()) {
      config = fromFile(cluster.configFile());
    } else {
      // Vert.x's own defaults (backups for its maps) with the network pinned to loopback or the
      // given host, and no multicast: a node never joins strangers on the same network.
      config = ConfigUtil.loadConfig();
      config.setClusterName(cluster.name());
      NetworkConfig network = config.getNetworkConfig();
      network.setPort(cluster.port()).setPortAutoIncrement(true);
      network.getInterfaces().setEnabled(true).setInterfaces(java.util.List.of(cluster.host()));
      // Listen on that address only: by default Hazelcast binds every interface (*:5701) whatever
      // address it advertises, which opens the cluster plane to any network the machine is on.
      config.setProperty("hazelcast.socket.bind.any", "false");
      JoinConfig join = network.getJoin();
      join.getMulticastConfig().setEnabled(false);
      join.getAutoDetectionConfig().setEnabled(false);
      String[] members = Arrays.stream(cluster.members().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new);
      join.getTcpIpConfig().setEnabled(members.length > 0);
      for (String m : members) {
        join.getTcpIpConfig().addMember(m);
      }
      // A busy machine may take a while to answer a join; a timeout would leave the node alone.
      join.getTcpIpConfig().setConnectionTimeoutSeconds(15);
      // A member given without a port is looked for on this many ports from cluster.port.
      config.setProperty("hazelcast.tcp.join.port.try.count", "20");
    }
    config.getSerializationConfig().setJavaSerializationFilterConfig(deserializationFilter());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // Notice a dead member within seconds, so its agents go offline quickly.
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    return config;
  }

  /**
   * Room state and entry processors cross the wire in Java serialization; whoever reaches the
   * cluster port could otherwise send any serializable class (a gadget chain) to be deserialized.
   * Only the packages the cluster really exchanges are accepted. Hazelcast's defaults are off: they
   * allow all of java* and javax*, where trigger classes of known gadget chains live.
   */
  static JavaSerializationFilterConfig deserializationFilter() {
    JavaSerializationFilterConfig filter = new JavaSerializationFilterConfig().setDefaultsDisabled(true);
    filter.getWhitelist().addPrefixes("io.livedesk.", "io.vertx.", "com.hazelcast.", "java.lang.", "java.util.",
        "java.time.", "java.math.", "[");
    return filter;
  }

  private static Config fromFile(String file) {
    try {
      return file.endsWith(".yaml") || file.endsWith(".yml") ? new FileSystemYamlConfig(file) : new FileSystemXmlConfig(file);
    } catch (FileNotFoundException e) {
      throw new io.livedesk.server.config.ConfigException("in cluster.config: file not found: " + file);
    }
  }
}
