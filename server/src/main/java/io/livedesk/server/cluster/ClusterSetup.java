package io.livedesk.server.cluster;

import com.hazelcast.config.CompactSerializationConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.FileSystemYamlConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import io.livedesk.server.privacy.RetentionFormat;
import io.livedesk.server.push.TallyFormat;
import io.livedesk.server.room.RoomStateFormat;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import com.hazelcast.internal.util.ConcurrencyUtil;

import java.io.FileNotFoundException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds the cluster plane: the Hazelcast configuration behind the Vert.x cluster manager, and the event bus's options. */
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

  /**
   * The event bus between nodes: bound to the cluster host and, with {@code cluster.tls.*}, over
   * TLS where both ends show a certificate the other trusts ({@code ClientAuth.REQUIRED} on the
   * receiving side, the same key and trust on the sending side). A node without such a certificate
   * can neither connect to the others' event bus nor accept their connections. Vert.x does not check
   * the peer's host name here: being signed by the cluster's CA is what makes a node a member.
   */
  public static EventBusOptions eventBus(ClusterConfig cluster, EventBusOptions bus) {
    bus.setHost(cluster.host());
    if (cluster.tls()) {
      bus.setSsl(true)
          .setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cluster.tlsCert()).setKeyPath(cluster.tlsKey()))
          .setTrustOptions(new PemTrustOptions().addCertPath(cluster.tlsTrust()));
    }
    return bus;
  }

  static Config hazelcastConfig(ClusterConfig cluster) {
    Config config;
    if (cluster.configFile() != null && !cluster.configFile().isBlank()) {
      config = fromFile(cluster.configFile());
    } else {
      // Vert.x's own defaults (backups for its maps) with the network pinned to loopback or the
      // given host, and no multicast: a node never joins strangers on the same network.
      config = vertxDefaults();
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
    CompactSerializationConfig compact = config.getSerializationConfig().getCompactSerializationConfig();
    compactSerializers().forEach(compact::addSerializer);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // Notice a dead member within seconds, so its agents go offline quickly.
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    return config;
  }

  /**
   * What vertx-hazelcast's {@code default-cluster.xml} holds (the structures the cluster manager
   * uses, each with one backup), built in code: reading that XML, validated against Hazelcast's
   * schema, took about a second of every node's start. ClusterSetupTest holds it equal to the file.
   */
  static Config vertxDefaults() {
    Config config = new Config();
    config.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    config.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    config.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    return config;
  }

  /**
   * Nothing of Livedesk's own travels in Java serialization ({@link #compactSerializers}), yet
   * whoever reaches the cluster port could still send any serializable class (a gadget chain) to be
   * deserialized, so this filter stays as a defence. What it lets through is only what Hazelcast
   * itself still sends that way: an exception raised on the member that ran an operation (a
   * processor's failure, a retryable migration error) goes back to the caller Java-serialized, and a
   * caller that cannot read it waits out the whole operation timeout (two minutes) instead of
   * failing or retrying. So: Hazelcast's own classes, {@code java.lang} itself (Throwable, its
   * standard subclasses, StackTraceElement; not {@code java.lang.reflect} or {@code .invoke}), and
   * the few JDK exceptions and lists a Throwable carries. No application class, no collection or
   * map that calls hashCode or compare while it is read (where gadget chains start), nothing from
   * javax. Hazelcast's defaults are off: they allow all of java* and javax*.
   */
  static JavaSerializationFilterConfig deserializationFilter() {
    JavaSerializationFilterConfig filter = new JavaSerializationFilterConfig().setDefaultsDisabled(true);
    filter.getWhitelist()
        .addPrefixes("com.hazelcast.")
        .addPackages("java.lang")
        // a Throwable's stack trace and suppressed exceptions: none (the empty-list sentinel) or a list of them
        .addClasses("[Ljava.lang.StackTraceElement;", "[Ljava.lang.Throwable;",
            "java.util.Collections$EmptyList", "java.util.Collections$UnmodifiableRandomAccessList",
            "java.util.Collections$UnmodifiableList", "java.util.Collections$UnmodifiableCollection", "java.util.ArrayList")
        // JDK exceptions outside java.lang that an operation may fail with
        .addClasses("java.util.NoSuchElementException", "java.util.ConcurrentModificationException",
            "java.util.concurrent.ExecutionException", "java.util.concurrent.CancellationException",
            "java.util.concurrent.CompletionException", "java.util.concurrent.TimeoutException",
            "java.util.concurrent.RejectedExecutionException", "java.io.IOException", "java.io.UncheckedIOException");
    // Checked before the list above: no class of Livedesk's own gets through, whatever is added there later.
    filter.getBlacklist().addPrefixes("io.livedesk.");
    return filter;
  }

  /**
   * Every type Livedesk sends to Hazelcast that is not a Hazelcast built-in (String, Long,
   * {@code long[]}, ...): the state in its maps, the entry processors and their answers, each with
   * a Compact serializer of its own. A registered Compact type wins over {@code Serializable}, so
   * none of them is ever written in Java serialization.
   */
  public static List<CompactSerializer<?>> compactSerializers() {
    List<CompactSerializer<?>> all = new ArrayList<>();
    all.addAll(RoomStateFormat.serializers());
    all.addAll(TallyFormat.serializers());
    all.addAll(RetentionFormat.serializers());
    return List.copyOf(all);
  }

  private static Config fromFile(String file) {
    try {
      return file.endsWith(".yaml") || file.endsWith(".yml") ? new FileSystemYamlConfig(file) : new FileSystemXmlConfig(file);
    } catch (FileNotFoundException e) {
      throw new io.livedesk.server.config.ConfigException("in cluster.config: file not found: " + file);
    }
  }
}
