package io.livedesk.server.routing;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The dispatcher's own copy of one kind of state, written through to a {@link SharedMap} so a
 * successor can read it back. A write the shared map refuses is not lost: the key is remembered
 * and written again (its value as it is then) by {@link #resync}, which the dispatcher's safety
 * tick runs, so the shared copy converges on the dispatcher's even after a partition.
 * Used only on the dispatcher's context.
 */
public final class Mirror<T> {

  private static final Logger log = LoggerFactory.getLogger(Mirror.class);

  private final String name;
  private final SharedMap shared;
  private final Function<T, String> encode;
  private final Function<String, T> decode;
  private final Map<String, T> entries = new HashMap<>();
  private final Set<String> unsynced = new LinkedHashSet<>();

  public Mirror(String name, SharedMap shared, Function<T, String> encode, Function<String, T> decode) {
    this.name = name;
    this.shared = shared;
    this.encode = encode;
    this.decode = decode;
  }

  /** Replaces what is in memory with the shared copy. */
  public Future<Map<String, T>> load() {
    return shared.readAll().map(all -> {
      entries.clear();
      unsynced.clear();
      all.forEach((k, v) -> {
        try {
          entries.put(k, decode.apply(v));
        } catch (RuntimeException e) {
          // One corrupt entry must not stop a takeover; recovery from the store rebuilds what matters.
          log.warn("{}: dropping unreadable entry {}", name, k, e);
        }
      });
      return entries;
    });
  }

  public T get(String key) {
    return entries.get(key);
  }

  public Collection<T> values() {
    return entries.values();
  }

  public Set<String> keys() {
    return entries.keySet();
  }

  public int size() {
    return entries.size();
  }

  /** Remembers the value and writes it through; the answer fails when the shared copy did not take it. */
  public Future<Void> put(String key, T value) {
    entries.put(key, value);
    return write(key);
  }

  /** Writes the value held under the key again (after changing a mutable value in place). */
  public Future<Void> save(String key) {
    return write(key);
  }

  public Future<T> remove(String key) {
    T old = entries.remove(key);
    if (old == null && !unsynced.contains(key)) {
      return Future.succeededFuture();
    }
    return write(key).map(old);
  }

  /** Writes again every key whose last write failed. */
  public void resync() {
    if (unsynced.isEmpty()) {
      return;
    }
    log.info("{}: writing {} entries again after failed writes", name, unsynced.size());
    for (String key : Set.copyOf(unsynced)) {
      write(key);
    }
  }

  /** Keys whose shared copy is known to be behind. */
  public int unsynced() {
    return unsynced.size();
  }

  private Future<Void> write(String key) {
    T value = entries.get(key);
    Future<Void> written = value == null ? shared.remove(key) : shared.put(key, encode.apply(value));
    return written.andThen(ar -> {
      if (ar.succeeded()) {
        // Only when the copy now is what was written: a later change may still be pending.
        if (value == entries.get(key)) {
          unsynced.remove(key);
        }
      } else {
        if (unsynced.add(key)) {
          log.warn("{}: could not write {} through; will write it again", name, key, ar.cause());
        }
      }
    });
  }
}
