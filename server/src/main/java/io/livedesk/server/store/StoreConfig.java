package io.livedesk.server.store;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.Setting;

import java.util.List;

/** Where conversations, campaigns and claims are kept. */
public record StoreConfig(String mongoUri, String database, String dataDir, int embeddedPort, int writeBuffer,
                          int writeMaxWaitMs, int readTimeoutMs, WriteDurability writeConcern) {

  public static final List<Setting> SETTINGS = List.of(
      new Setting("store.mongoUri", "LIVEDESK_MONGO_URI", "", "MongoDB connection string; empty starts the embedded store"),
      Setting.of("store.database", "livedesk", "MongoDB database name"),
      new Setting("store.dataDir", "LIVEDESK_DATA_DIR", "./data", "directory of the embedded store"),
      Setting.of("store.embeddedPort", 0, "loopback port of the embedded store (0 picks one); other local nodes can share it through store.mongoUri"),
      Setting.of("store.writeBuffer", 10000, "writes that may wait for an unreachable MongoDB before senders get STORE_UNAVAILABLE"),
      Setting.of("store.writeMaxWaitMs", 60000, "how long a write waits for MongoDB to come back before it fails"),
      Setting.of("store.readTimeoutMs", Store.DEFAULT_READ_TIMEOUT_MS, "how long to wait for MongoDB's answer on an open connection before treating it as unreachable "
          + "(socketTimeoutMS in store.mongoUri takes precedence)"),
      Setting.of("store.writeConcern", "majority", "what MongoDB must have done before a write is answered as done: majority "
          + "(on a majority's journals; survives a crash and a failover), journaled (the primary's journal; a failover before "
          + "replication can lose it) or acknowledged (the primary's memory; a crash loses up to 100 ms of answered writes); "
          + "w/journal in store.mongoUri take precedence; the embedded store always syncs to disk before it answers"));

  public static StoreConfig from(Config c) {
    return new StoreConfig(c.string("store.mongoUri"), c.string("store.database"),
        c.string("store.dataDir"), c.nonNegative("store.embeddedPort"), c.positive("store.writeBuffer"),
        c.positive("store.writeMaxWaitMs"), c.positive("store.readTimeoutMs"),
        WriteDurability.parse(c.string("store.writeConcern")));
  }

  public boolean embedded() {
    return mongoUri == null || mongoUri.isBlank();
  }
}
