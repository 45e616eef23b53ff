package io.livedesk.server.presence;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.Setting;

import java.util.List;

/** How often nodes report their agents, and how long silence means an agent or a node is gone. */
public record PresenceConfig(long heartbeatMs, long timeoutMs) {

  public static final List<Setting> SETTINGS = List.of(
      Setting.of("presence.heartbeatMs", 1000, "how often each node reports its connected agents"),
      Setting.of("presence.timeoutMs", 3000, "an agent with no console reported this long goes offline and its conversations return to the queue"));

  public static PresenceConfig from(Config c) {
    int beat = c.positive("presence.heartbeatMs");
    int timeout = c.positive("presence.timeoutMs");
    if (timeout <= beat) {
      throw new ConfigException("in presence.timeoutMs: must be longer than presence.heartbeatMs (" + beat + "), was " + timeout);
    }
    return new PresenceConfig(beat, timeout);
  }
}
