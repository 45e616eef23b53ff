package io.livedesk.server.metrics;

import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * The node's counters and gauges, exposed in Prometheus text format at {@code /metrics}.
 * Hot-path counters are plain {@link LongAdder}s indexed by enum ordinal: no map lookup and no
 * allocation per frame.
 */
public final class Metrics {

  private final LongAdder[] framesIn = adders(Frame.BodyCase.values().length);
  private final LongAdder[] framesOut = adders(Frame.BodyCase.values().length);
  private final LongAdder[] dropped = adders(Frame.BodyCase.values().length);
  private final Map<ErrorCode, LongAdder> errors = new EnumMap<>(ErrorCode.class);
  private final Map<Integer, LongAdder> closes = new ConcurrentHashMap<>();
  private final LongAdder connectionsOpened = new LongAdder();
  private final List<Gauge> gauges = new CopyOnWriteArrayList<>();
  private final List<Counter> counters = new CopyOnWriteArrayList<>();
  private final List<Histogram> histograms = new CopyOnWriteArrayList<>();

  private record Gauge(String name, String help, String labels, DoubleSupplier value) {
  }

  public Metrics() {
    for (ErrorCode code : ErrorCode.values()) {
      if (code != ErrorCode.UNRECOGNIZED) {
        errors.put(code, new LongAdder());
      }
    }
    gauge("livedesk_jvm_heap_used_bytes", "JVM heap in use", () -> heap().getUsed());
    gauge("livedesk_jvm_heap_max_bytes", "JVM heap limit", () -> heap().getMax());
    gauge("livedesk_jvm_nonheap_used_bytes", "JVM non-heap memory in use",
        () -> ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getUsed());
  }

  public void frameIn(Frame.BodyCase type) {
    framesIn[type.ordinal()].increment();
  }

  public void frameOut(Frame.BodyCase type) {
    framesOut[type.ordinal()].increment();
  }

  /** A best-effort frame not written because the socket could not keep up. */
  public void dropped(Frame.BodyCase type) {
    dropped[type.ordinal()].increment();
  }

  /** A frame dropped for this many sockets at once (a room's backlog on a loop). */
  public void dropped(Frame.BodyCase type, int sockets) {
    dropped[type.ordinal()].add(sockets);
  }

  public void error(ErrorCode code) {
    LongAdder adder = errors.get(code);
    if (adder != null) {
      adder.increment();
    }
  }

  public void connectionOpened() {
    connectionsOpened.increment();
  }

  public void closed(int closeCode) {
    closes.computeIfAbsent(closeCode, c -> new LongAdder()).increment();
  }

  public long framesIn(Frame.BodyCase type) {
    return framesIn[type.ordinal()].sum();
  }

  public long droppedCount(Frame.BodyCase type) {
    return dropped[type.ordinal()].sum();
  }

  public long errors(ErrorCode code) {
    return errors.get(code).sum();
  }

  public void gauge(String name, String help, DoubleSupplier value) {
    gauges.add(new Gauge(name, help, "", value));
  }

  public void gauge(String name, String help, String labels, DoubleSupplier value) {
    gauges.add(new Gauge(name, help, labels, value));
  }

  /** A counter registered by a concern (e.g. bot resolutions). */
  public Counter counter(String name, String help) {
    Counter c = new Counter(name, help);
    counters.add(c);
    return c;
  }

  /** A histogram with the given upper bounds (in the unit its name says). */
  public Histogram histogram(String name, String help, double... bounds) {
    Histogram h = new Histogram(name, help, bounds);
    histograms.add(h);
    return h;
  }

  /** Prometheus text exposition format 0.0.4. */
  public String scrape() {
    StringBuilder out = new StringBuilder(8192);
    header(out, "livedesk_connections_opened_total", "counter", "WebSocket connections accepted");
    line(out, "livedesk_connections_opened_total", "", connectionsOpened.sum());
    header(out, "livedesk_connections_closed_total", "counter", "WebSocket connections closed, by close code");
    closes.forEach((code, n) -> line(out, "livedesk_connections_closed_total", "code=\"" + code + "\"", n.sum()));
    perType(out, "livedesk_frames_in_total", "frames received, by type", framesIn);
    perType(out, "livedesk_frames_out_total", "frames sent, by type", framesOut);
    perType(out, "livedesk_frames_dropped_total", "best-effort frames dropped for slow consumers, by type", dropped);
    header(out, "livedesk_errors_total", "counter", "error frames sent, by code");
    errors.forEach((code, n) -> {
      long v = n.sum();
      if (v > 0) {
        line(out, "livedesk_errors_total", "code=\"" + code.name() + "\"", v);
      }
    });
    String lastGauge = null;
    for (Gauge g : gauges) {
      if (!g.name().equals(lastGauge)) {
        header(out, g.name(), "gauge", g.help());
        lastGauge = g.name();
      }
      line(out, g.name(), g.labels(), g.value().getAsDouble());
    }
    for (Counter c : counters) {
      c.writeTo(out);
    }
    for (Histogram h : histograms) {
      h.writeTo(out);
    }
    return out.toString();
  }

  private static void perType(StringBuilder out, String name, String help, LongAdder[] adders) {
    header(out, name, "counter", help);
    Frame.BodyCase[] types = Frame.BodyCase.values();
    for (int i = 0; i < adders.length; i++) {
      long v = adders[i].sum();
      if (v > 0) {
        line(out, name, "type=\"" + types[i].name().toLowerCase(Locale.ROOT) + "\"", v);
      }
    }
  }

  static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  static void line(StringBuilder out, String name, String labels, double value) {
    out.append(name);
    if (!labels.isEmpty()) {
      out.append('{').append(labels).append('}');
    }
    out.append(' ');
    if (value == Math.rint(value) && !Double.isInfinite(value)) {
      out.append((long) value);
    } else {
      out.append(value);
    }
    out.append('\n');
  }

  private static MemoryUsage heap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
  }

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  /** A monotonically increasing count, optionally split by one label. */
  public static final class Counter {
    private final String name;
    private final String help;
    private final Map<String, LongAdder> byLabel = new ConcurrentHashMap<>();

    Counter(String name, String help) {
      this.name = name;
      this.help = help;
    }

    public void inc() {
      inc("");
    }

    /** {@code labels} is a Prometheus label set such as {@code tier="urgent"}, or empty. */
    public void inc(String labels) {
      byLabel.computeIfAbsent(labels, l -> new LongAdder()).increment();
    }

    public long get(String labels) {
      LongAdder a = byLabel.get(labels);
      return a == null ? 0 : a.sum();
    }

    void writeTo(StringBuilder out) {
      header(out, name, "counter", help);
      byLabel.forEach((labels, n) -> line(out, name, labels, n.sum()));
    }
  }

  /** Cumulative buckets, as Prometheus expects. */
  public static final class Histogram {
    private final String name;
    private final String help;
    private final double[] bounds;
    private final Map<String, LongAdder[]> buckets = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.DoubleAdder> sums = new ConcurrentHashMap<>();

    Histogram(String name, String help, double[] bounds) {
      this.name = name;
      this.help = help;
      this.bounds = bounds.clone();
    }

    public void observe(String labels, double value) {
      LongAdder[] b = buckets.computeIfAbsent(labels, l -> adders(bounds.length + 1));
      for (int i = 0; i < bounds.length; i++) {
        if (value <= bounds[i]) {
          b[i].increment();
        }
      }
      b[bounds.length].increment();
      sums.computeIfAbsent(labels, l -> new java.util.concurrent.atomic.DoubleAdder()).add(value);
    }

    void writeTo(StringBuilder out) {
      header(out, name, "histogram", help);
      buckets.forEach((labels, b) -> {
        String sep = labels.isEmpty() ? "" : labels + ",";
        for (int i = 0; i < bounds.length; i++) {
          line(out, name + "_bucket", sep + "le=\"" + bounds[i] + "\"", b[i].sum());
        }
        line(out, name + "_bucket", sep + "le=\"+Inf\"", b[bounds.length].sum());
        line(out, name + "_count", labels, b[bounds.length].sum());
        line(out, name + "_sum", labels, sums.get(labels).sum());
      });
    }
  }
}
