package io.livedesk.server.store.embedded;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.type.DataType;

import java.util.Map;

/**
 * An MVMap whose every put and remove is appended to the {@link Journal} as it is made. The
 * collection's data and its metadata live in such maps (see {@link SnapshotBackend}); its writers
 * hold the collection's lock, so a key's changes reach the journal in the order they were made.
 * mongo-java-server's H2 collection changes its maps only through {@code put} and {@code remove}.
 */
final class JournaledMap<K, V> extends MVMap<K, V> {

  private final Journal journal;

  private JournaledMap(Map<String, Object> config, DataType<K> keyType, DataType<V> valueType, Journal journal) {
    super(config, keyType, valueType);
    this.journal = journal;
  }

  @Override
  public V put(K key, V value) {
    V previous = super.put(key, value);
    // the name, not a cached one: a renamed collection's later changes must replay under its new name
    journal.put(getName(), getKeyType(), key, getValueType(), value);
    return previous;
  }

  @Override
  @SuppressWarnings("unchecked")
  public V remove(Object key) {
    V previous = super.remove(key);
    if (previous != null) {
      journal.remove(getName(), getKeyType(), (K) key);
    }
    return previous;
  }

  /** Opens maps as JournaledMaps; a map already open is answered as it is, so open every journaled map through this first. */
  static final class Builder<K, V> extends MVMap.BasicBuilder<JournaledMap<K, V>, K, V> {

    private final Journal journal;

    Builder(Journal journal) {
      this.journal = journal;
      valueType(new BsonDocumentType());
    }

    @Override
    protected JournaledMap<K, V> create(Map<String, Object> config) {
      return new JournaledMap<>(config, getKeyType(), getValueType(), journal);
    }
  }
}
