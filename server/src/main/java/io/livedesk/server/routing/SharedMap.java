package io.livedesk.server.routing;

import io.vertx.core.Future;

import java.util.Map;

/**
 * Where the dispatcher keeps a copy of its state for a successor: the queue, the roster, the
 * open offers and the watching supervisors. In a cluster it is a Hazelcast map with a backup
 * ({@link HazelcastSharedMap}); in the simulation and benchmark it is {@link InMemorySharedMap}.
 * Values are JSON text, so both carry exactly what a successor would read.
 */
public interface SharedMap {

  /** Everything in the map, read when a dispatcher takes over. */
  Future<Map<String, String>> readAll();

  Future<Void> put(String key, String value);

  Future<Void> remove(String key);
}
