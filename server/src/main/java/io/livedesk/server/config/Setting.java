package io.livedesk.server.config;

import java.util.Locale;
import java.util.Objects;

/**
 * One configuration setting: its YAML key ({@code gateway.maxFrameBytes}), the environment
 * variable that overrides it, its default and a one-line description. The README's table is
 * checked against the list of all settings by a test.
 */
public record Setting(String key, String env, Object defaultValue, String description) {

  public Setting {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(description, "description");
    if (env == null) {
      env = envName(key);
    }
  }

  public static Setting of(String key, Object defaultValue, String description) {
    return new Setting(key, null, defaultValue, description);
  }

  /** {@code gateway.maxFrameBytes} becomes {@code LIVEDESK_GATEWAY_MAX_FRAME_BYTES}. */
  static String envName(String key) {
    String snake = key.replace('.', '_').replaceAll("([a-z0-9])([A-Z])", "$1_$2");
    return "LIVEDESK_" + snake.toUpperCase(Locale.ROOT);
  }
}
