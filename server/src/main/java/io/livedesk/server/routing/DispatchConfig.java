package io.livedesk.server.routing;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.Setting;

import java.util.List;

/** How the dispatcher offers conversations and watches deadlines. Every time is configurable so tests run in seconds. */
public record DispatchConfig(long offerTimeoutMs, int warnAtPercent, long returningWindowMs, long safetyTickMs,
                            long viewIntervalMs) {

  public static final List<Setting> SETTINGS = List.of(
      Setting.of("routing.offerTimeoutMs", 15000, "an offer not accepted within this moves on to the next agent"),
      Setting.of("routing.warnAtPercent", 50, "share of a tier's budget after which a waiting conversation is shown to every eligible agent and supervisors"),
      Setting.of("routing.returningWindowHours", 72, "a customer back within this many hours prefers their previous agent"),
      Setting.of("routing.safetyTickMs", 1000, "slow safety tick of the dispatcher (dispatch itself is event-driven)"),
      Setting.of("routing.viewIntervalMs", 1000, "how often watching supervisors get the live view (at most once a second)"));

  public static DispatchConfig from(Config c) {
    int warn = c.positive("routing.warnAtPercent");
    if (warn >= 100) {
      throw new ConfigException("in routing.warnAtPercent: must be below 100, was " + warn);
    }
    int view = c.positive("routing.viewIntervalMs");
    if (view < 1000) {
      throw new ConfigException("in routing.viewIntervalMs: supervisors get the view at most once a second, was " + view);
    }
    return new DispatchConfig(c.positive("routing.offerTimeoutMs"), warn, c.positive("routing.returningWindowHours") * 3_600_000L,
        c.positive("routing.safetyTickMs"), view);
  }
}
