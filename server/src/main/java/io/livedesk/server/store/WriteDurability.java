package io.livedesk.server.store;

import com.mongodb.WriteConcern;
import io.livedesk.server.config.ConfigException;

import java.util.Arrays;
import java.util.Locale;

/**
 * What MongoDB must have done with a write before the driver reports it done, and so before a
 * user is answered. Each level names what it risks; the README's settings table repeats it.
 */
public enum WriteDurability {

  /** On a majority of the replica set's journals: survives the primary's crash and a failover. */
  MAJORITY(WriteConcern.MAJORITY.withJournal(true)),
  /** In the primary's journal: survives a crash of the primary, not the loss of its disk or a failover before replication. */
  JOURNALED(WriteConcern.W1.withJournal(true)),
  /** In the primary's memory: a crash within the journal's commit interval (up to 100 ms) loses acknowledged writes. */
  ACKNOWLEDGED(WriteConcern.W1);

  private final WriteConcern concern;

  WriteDurability(WriteConcern concern) {
    this.concern = concern;
  }

  public WriteConcern concern() {
    return concern;
  }

  public static WriteDurability parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("store.writeConcern must be one of " + Arrays.stream(values())
          .map(v -> v.name().toLowerCase(Locale.ROOT)).toList() + ", not '" + value + "'");
    }
  }
}
