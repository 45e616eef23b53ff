package io.livedesk.server.store;

import com.mongodb.WriteConcern;
import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** store.writeConcern: what every write waits for before a user is answered. */
class WriteDurabilityTest {

  private static final Vertx vertx = Vertx.vertx();

  @AfterAll
  static void stop() {
    vertx.close();
  }

  @Test
  void byDefaultAWriteWaitsForAMajorityOfJournals() {
    StoreConfig config = StoreConfig.from(Config.of(Map.of()));
    assertEquals(WriteDurability.MAJORITY, config.writeConcern());
    try (Store store = new Store(vertx, "mongodb://127.0.0.1:1", "livedesk", 1000, config.writeConcern())) {
      WriteConcern used = store.collection("messages").getWriteConcern();
      assertEquals("majority", used.getWString());
      assertEquals(Boolean.TRUE, used.getJournal());
    }
  }

  @Test
  void eachLevelIsASettingAndTheConnectionStringHasTheLastWord() {
    assertEquals(WriteDurability.JOURNALED, StoreConfig.from(Config.of(Map.of("store.writeConcern", "journaled"))).writeConcern());
    assertEquals(WriteConcern.W1, WriteDurability.ACKNOWLEDGED.concern());
    try (Store store = new Store(vertx, "mongodb://127.0.0.1:1/?w=1&journal=false", "livedesk", 1000, WriteDurability.MAJORITY)) {
      assertEquals(1, store.collection("messages").getWriteConcern().getW());
    }
  }

  @Test
  void anUnknownLevelStopsTheNodeNamingTheSetting() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> StoreConfig.from(Config.of(Map.of("store.writeConcern", "fast"))));
    assertTrue(e.getMessage().contains("store.writeConcern"), e.getMessage());
  }
}
