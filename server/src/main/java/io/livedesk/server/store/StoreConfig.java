package io.livedesk.server.store;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.Setting;

import java.util.List;

/** Where conversations, campaigns and claims are kept. */
public record StoreConfig(String mongoUri, String database, String dataDir, int embeddedPort, int writeBuffer,
                          int writeMaxWaitMs, int readTimeoutMs) {

  public static final List<Setting> SETTINGS = List.of(
      new Setting("store.mongoUri", "LIVEDESK_MONGO_URI", "", "MongoDB connection string; empty starts the embedded store"),
      Setting.of("store.database", "livedesk", "MongoDB database name"),
      new Setting("store.dataDir", "LIVEDESK_DATA_DIR", "./data", "directory of the embedded store"),
      Setting.of("store.embeddedPort", 0, "loopback port of the embedded store (0 picks one); other local nodes can share it through store.mongoUri"),
      Setting.of("store.writeBuffer", 10000, "writes that may wait for an unreachable MongoDB before senders get STORE_UNAVAILABLE"),
      Setting.of("store.writeMaxWaitMs", 60000, "how long a write waits for MongoDB to come back before it fails"),
      Setting.of("store.readTimeoutMs", Store.DEFAULT_READ_TIMEOUT_MS, "how long to wait for MongoDB's answer on an open connection before treating it as unreachable "
          + "(socketTimeoutMS in store.mongoUri takes precedence)"));

  public static StoreConfig from(Config c) {
    return new StoreConfig(c.string("store.mongoUri"), c.string("store.database"),
        c.string("store.dataDir"), c.nonNegative("store.embeddedPort"), c.positive("store.writeBuffer"),
        c.positive("store.writeMaxWaitMs"), c.positive("store.readTimeoutMs"));
  }

  public boolean embedded() {
    return mongoUri == null || mongoUri.isBlank();
  }
}
