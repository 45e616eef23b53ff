package io.livedesk.server.cluster;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.SerializationConstants;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What Livedesk puts in Hazelcast travels in Compact, never in Java serialization, on members
 * configured exactly as a node configures its own; and the Java deserialization filter still lets
 * Hazelcast's own error answers through, without which a failed remote operation hangs.
 */
class ClusterWireFormatTest {

  private static HazelcastInstance first;
  private static HazelcastInstance second;

  @BeforeAll
  static void start() {
    int port = 10_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(1_000) * 20;
    ClusterConfig cluster = new ClusterConfig("", "wire-" + UUID.randomUUID(), "127.0.0.1", port, "127.0.0.1:" + port);
    first = Hazelcast.newHazelcastInstance(ClusterSetup.hazelcastConfig(cluster));
    second = Hazelcast.newHazelcastInstance(ClusterSetup.hazelcastConfig(cluster));
    assertEquals(2, first.getCluster().getMembers().size(), "the two members did not meet");
  }

  @AfterAll
  static void stop() {
    second.shutdown();
    first.shutdown();
  }

  @Test
  void everyTypeLivedeskSendsToHazelcastTravelsInCompactAndComesBackTheSame() throws Exception {
    SerializationService serialization = ((SerializationServiceSupport) first).getSerializationService();
    List<CompactSerializer<?>> serializers = ClusterSetup.compactSerializers();
    assertTrue(serializers.size() >= 15, "room, push and privacy types: " + serializers.size());
    for (CompactSerializer<?> serializer : serializers) {
      Object sample = sample(serializer.getCompactClass());
      Data data = serialization.toData(sample);
      assertTrue(data.getType() == SerializationConstants.TYPE_COMPACT || data.getType() == SerializationConstants.TYPE_COMPACT_WITH_SCHEMA,
          serializer.getCompactClass().getName() + " travels as type " + data.getType() + ", not Compact");
      Object back = serialization.toObject(data);
      assertEquals(sample.getClass(), back.getClass());
      assertTrue(same(sample, back), serializer.getCompactClass().getName() + ": " + sample + " came back as " + back);
    }
  }

  /** A processor added without a serializer would travel in Java serialization, which the filter refuses. */
  @Test
  void everyEntryProcessorOfLivedeskHasACompactSerializer() throws IOException {
    Set<Class<?>> registered = ClusterSetup.compactSerializers().stream().map(CompactSerializer::getCompactClass)
        .collect(Collectors.toSet());
    List<Class<?>> processors = livedeskClasses().stream().filter(EntryProcessor.class::isAssignableFrom).toList();
    assertTrue(processors.size() >= 10, "found only " + processors);
    List<Class<?>> missing = processors.stream().filter(c -> !registered.contains(c)).toList();
    assertEquals(List.of(), missing, "entry processors without a Compact serializer");
  }

  @Test
  void anErrorRaisedOnTheMemberThatRanAnOperationReachesTheCaller() throws Exception {
    // A key owned by the other member, holding what no room processor expects: it fails over there,
    // and its ClassCastException comes back in Java serialization through the filter.
    String key = Stream.iterate(0, i -> i + 1).map(i -> "wire-room-" + i)
        .filter(k -> !first.getPartitionService().getPartition(k).getOwner().localMember()).findFirst().orElseThrow();
    IMap<String, Object> states = first.getMap("wire-format-rooms");
    states.put(key, "not a room");
    @SuppressWarnings("unchecked")
    EntryProcessor<String, Object, Object> staff = (EntryProcessor<String, Object, Object>)
        sample(Class.forName("io.livedesk.server.room.RoomState$Staff"));
    ExecutionException failed = assertThrows(ExecutionException.class,
        () -> states.submitToKey(key, staff).toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertEquals(ClassCastException.class, failed.getCause().getClass(), String.valueOf(failed.getCause()));
  }

  // ------------------------------------------------------------------ samples

  /** An instance with every field set to something other than its default, built from the type alone. */
  private static Object sample(Class<?> type) throws Exception {
    if (type.isEnum()) {
      return type.getEnumConstants()[1];
    }
    if (type.isRecord()) {
      RecordComponent[] components = type.getRecordComponents();
      Object[] values = new Object[components.length];
      Class<?>[] types = new Class<?>[components.length];
      for (int i = 0; i < components.length; i++) {
        types[i] = components[i].getType();
        values[i] = value(components[i].getGenericType());
      }
      Constructor<?> canonical = type.getDeclaredConstructor(types);
      canonical.setAccessible(true);
      return canonical.newInstance(values);
    }
    Constructor<?> empty = type.getDeclaredConstructor();
    empty.setAccessible(true);
    Object o = empty.newInstance();
    for (Field f : fields(type)) {
      Object v = value(f.getGenericType());
      if (Collection.class.isAssignableFrom(f.getType())) {
        addTo((Collection<?>) f.get(o), v);
      } else if (Map.class.isAssignableFrom(f.getType())) {
        putAll((Map<?, ?>) f.get(o), (Map<?, ?>) v);
      } else {
        f.set(o, v);
      }
    }
    return o;
  }

  @SuppressWarnings("unchecked")
  private static <T> void addTo(Collection<T> into, Object from) {
    into.addAll((Collection<T>) from);
  }

  @SuppressWarnings("unchecked")
  private static <K, V> void putAll(Map<K, V> into, Map<?, ?> from) {
    into.putAll((Map<K, V>) from);
  }

  private static Object value(Type generic) throws Exception {
    if (generic instanceof ParameterizedType p) {
      Class<?> raw = (Class<?>) p.getRawType();
      Type[] args = p.getActualTypeArguments();
      if (Map.class.isAssignableFrom(raw)) {
        return Map.of(value(args[0]), value(args[1]));
      }
      if (Collection.class.isAssignableFrom(raw)) {
        return List.of(value(args[0]), value(args[0]) instanceof String s ? s + "-2" : value(args[0]));
      }
      fail("no sample for " + generic);
    }
    Class<?> c = (Class<?>) generic;
    if (c == String.class) {
      return "sample";
    } else if (c == boolean.class || c == Boolean.class) {
      return true;
    } else if (c == int.class || c == Integer.class) {
      return 7;
    } else if (c == long.class || c == Long.class) {
      return 1_234_567_890_123L;
    } else if (c == byte[].class) {
      return new byte[] {1, 2, 3};
    } else if (c == int[].class) {
      return new int[] {4, 5};
    } else if (c == long[].class) {
      return new long[] {6, 7, 8, 9, 10};
    }
    return sample(c);
  }

  private static List<Field> fields(Class<?> type) {
    List<Field> out = new ArrayList<>();
    for (Field f : type.getDeclaredFields()) {
      if (!Modifier.isStatic(f.getModifiers())) {
        f.setAccessible(true);
        out.add(f);
      }
    }
    return out;
  }

  /** Equal by content: arrays element by element, records and plain classes field by field. */
  private static boolean same(Object a, Object b) throws Exception {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.getClass() != b.getClass()) {
      return false;
    }
    if (a.getClass().isArray()) {
      return Objects.deepEquals(a, b);
    }
    if (a instanceof Map<?, ?> m) {
      Map<?, ?> n = (Map<?, ?>) b;
      if (!m.keySet().equals(n.keySet())) {
        return false;
      }
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!same(e.getValue(), n.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Set<?> s) {
      return s.equals(b);
    }
    if (a instanceof Collection<?> c) {
      Collection<?> d = (Collection<?>) b;
      if (c.size() != d.size()) {
        return false;
      }
      Iterator<?> i = d.iterator();
      for (Object x : c) {
        if (!same(x, i.next())) {
          return false;
        }
      }
      return true;
    }
    if (a.getClass().isRecord() || a.getClass().getName().startsWith("io.livedesk.") && !a.getClass().isEnum()) {
      for (Field f : fields(a.getClass())) {
        if (!same(f.get(a), f.get(b))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  /** Every class compiled from the server's sources, loaded without running its static initialisers. */
  private static List<Class<?>> livedeskClasses() throws IOException {
    Path root;
    try {
      root = Path.of(ClusterSetup.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IOException(e);
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files.map(p -> root.relativize(p).toString())
          .filter(p -> p.endsWith(".class") && p.startsWith("io/livedesk/"))
          .map(p -> p.substring(0, p.length() - ".class".length()).replace('/', '.'))
          .map(ClusterWireFormatTest::load)
          .toList();
    }
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, false, ClusterWireFormatTest.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException(name, e);
    }
  }
}
