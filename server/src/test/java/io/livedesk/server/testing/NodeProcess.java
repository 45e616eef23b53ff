package io.livedesk.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A node in a process of its own ({@code io.livedesk.server.Main}, as {@code java -jar} runs it),
 * so that a test can kill it the way a crash does ({@code kill -9}: no shutdown hook, nothing
 * flushed) and start it again on the same data and ports.
 */
public final class NodeProcess implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Path dir;
  private final Map<String, Object> settings;
  private final int httpPort;
  private String heap = "384m";
  private Process process;

  /** {@code settings} as the YAML file takes them (dotted keys); http.port is chosen here unless given. */
  public NodeProcess(String name, Path dir, Map<String, Object> settings) {
    this.name = name;
    this.dir = dir;
    this.settings = new TreeMap<>(settings);
    this.httpPort = (Integer) this.settings.computeIfAbsent("http.port", k -> freePort());
    this.settings.putIfAbsent("http.host", "127.0.0.1");
  }

  /** The node's -Xmx (384m unless set): a node holding a large embedded store needs more. */
  public NodeProcess heap(String xmx) {
    this.heap = xmx;
    return this;
  }

  public int port() {
    return httpPort;
  }

  public String name() {
    return name;
  }

  /** Starts the process and waits until /health answers 200 (cluster joined, store answering). */
  public NodeProcess start(Duration timeout) {
    try {
      Files.createDirectories(dir);
      Path config = dir.resolve(name + ".yaml");
      StringBuilder yaml = new StringBuilder();
      settings.forEach((k, v) -> yaml.append(k).append(": \"").append(v).append("\"\n"));
      Files.writeString(config, yaml);
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx" + heap, "-XX:+UseSerialGC", "-Dhazelcast.phone.home.enabled=false", "-cp", classPath(),
          "io.livedesk.server.Main"));
      ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile()));
      builder.environment().keySet().removeIf(k -> k.startsWith("LIVEDESK_"));
      builder.environment().put("LIVEDESK_CONFIG", config.toString());
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long until = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + dir.resolve(name + ".log"));
      }
      if (ready()) {
        return this;
      }
      pause(100);
    }
    throw new IllegalStateException(name + " not ready within " + timeout + "; see " + dir.resolve(name + ".log"));
  }

  /** True when /health answers 200. */
  public boolean ready() {
    try {
      HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** SIGKILL, as a crash or an OOM killer would: no shutdown hook runs, nothing is flushed. */
  public void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      await();
    }
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  /** SIGTERM: the node's own orderly shutdown. */
  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      await();
    }
  }

  private void await() {
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Surefire runs tests from a manifest-only jar; the real class path is in its own property. */
  private static String classPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A short wait between polls of a condition that is checked again after it. */
  static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
