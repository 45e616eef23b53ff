package io.livedesk.server.routing;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.Setting;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tiers and the classification rules file. {@code routing.tiers} is a YAML map
 * ({@code routing: {tiers: {urgent: 10, normal: 30, low: 120}}}) or, from the environment,
 * {@code urgent=10,normal=30,low=120}; budgets are seconds and may be fractional (tests use short ones).
 */
public record RoutingConfig(Tiers tiers, String rulesFile) {

  public static final String DEFAULT_TIERS = "urgent=10,normal=30,low=120";

  public static final List<Setting> SETTINGS = List.of(
      Setting.of("routing.tiers", DEFAULT_TIERS,
          "tier names and their response budgets in seconds; the shortest budget is the most urgent"),
      Setting.of("routing.rulesFile", "",
          "JSON file of classification rules (intents, keywords, patterns, uplifts); empty uses the shipped rules"));

  public static RoutingConfig from(Config c) {
    return new RoutingConfig(tiers(c.raw("routing.tiers")), c.string("routing.rulesFile"));
  }

  static Tiers tiers(Object raw) {
    Map<String, Duration> budgets = new LinkedHashMap<>();
    if (raw instanceof Map<?, ?> map) {
      map.forEach((name, seconds) -> budgets.put(String.valueOf(name).trim(), seconds(name, seconds)));
    } else {
      for (String pair : String.valueOf(raw).split(",")) {
        String[] parts = pair.split("=", 2);
        if (parts.length != 2 || parts[0].isBlank()) {
          throw new ConfigException("in routing.tiers: '" + pair.trim() + "' is not name=seconds");
        }
        budgets.put(parts[0].trim(), seconds(parts[0].trim(), parts[1]));
      }
    }
    if (budgets.isEmpty()) {
      throw new ConfigException("in routing.tiers: at least one tier is needed");
    }
    return Tiers.of(budgets);
  }

  private static Duration seconds(Object tier, Object value) {
    double s;
    try {
      s = value instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(value).trim());
    } catch (NumberFormatException e) {
      throw new ConfigException("in routing.tiers: the budget of " + tier + " ('" + value + "') is not a number of seconds");
    }
    if (!(s > 0)) {
      throw new ConfigException("in routing.tiers: the budget of " + tier + " must be positive, was " + value);
    }
    return Duration.ofMillis(Math.round(s * 1000));
  }
}
