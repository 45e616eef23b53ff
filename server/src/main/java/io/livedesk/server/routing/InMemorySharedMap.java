package io.livedesk.server.routing;

import io.vertx.core.Future;

import java.util.HashMap;
import java.util.Map;

/**
 * A {@link SharedMap} in this process, for the simulation and the benchmark: it outlives a
 * dispatcher as Hazelcast would ({@link #as} gives a dispatcher its own handle, which dies with
 * it), and {@link #failing} makes writes fail as a partitioned cluster would.
 */
public final class InMemorySharedMap implements SharedMap {

  private final Map<String, String> entries;
  private boolean failing;
  private boolean alive = true;

  public InMemorySharedMap() {
    this(new HashMap<>());
  }

  private InMemorySharedMap(Map<String, String> entries) {
    this.entries = entries;
  }

  /** A handle on the same entries for one dispatcher; writes through it stop once it is {@link #kill}ed. */
  public InMemorySharedMap as() {
    return new InMemorySharedMap(entries);
  }

  /** The dispatcher holding this handle is gone: what it would still write never arrives. */
  public void kill() {
    alive = false;
  }

  public void failing(boolean failing) {
    this.failing = failing;
  }

  public Map<String, String> entries() {
    return entries;
  }

  @Override
  public Future<Map<String, String>> readAll() {
    return Future.succeededFuture(new HashMap<>(entries));
  }

  @Override
  public Future<Void> put(String key, String value) {
    if (!alive) {
      return Future.succeededFuture();
    }
    if (failing) {
      return Future.failedFuture(new IllegalStateException("shared map unreachable"));
    }
    entries.put(key, value);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> remove(String key) {
    if (!alive) {
      return Future.succeededFuture();
    }
    if (failing) {
      return Future.failedFuture(new IllegalStateException("shared map unreachable"));
    }
    entries.remove(key);
    return Future.succeededFuture();
  }
}
