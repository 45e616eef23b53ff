package io.livedesk.server.config;

import io.livedesk.server.gateway.GatewayConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Defaults, then YAML, then environment variables; bad values name their key. */
class ConfigTest {

  @Test
  void builtInDefaultsApplyWithNoConfiguration() {
    Config c = Config.resolve(Map.of(), Map.of());
    assertEquals(8080, HttpConfig.from(c).port());
    assertEquals("./data", c.string("store.dataDir"));
  }

  @Test
  void yamlOverridesDefaultsAndEnvironmentOverridesYaml() {
    Map<String, Object> yaml = Map.of("http", Map.of("port", 9000), "gateway", Map.of("framesPerSecond", 7));
    Config c = Config.resolve(yaml, Map.of("LIVEDESK_PORT", "9100"));
    assertEquals(9100, HttpConfig.from(c).port());
    assertEquals(7, GatewayConfig.from(c).framesPerSecond());
  }

  @Test
  void environmentNamesFollowTheKeys() {
    Config c = Config.resolve(Map.of(), Map.of("LIVEDESK_GATEWAY_MAX_FRAME_BYTES", "1234", "LIVEDESK_DATA_DIR", "/tmp/x"));
    assertEquals(1234, GatewayConfig.from(c).maxFrameBytes());
    assertEquals("/tmp/x", c.string("store.dataDir"));
  }

  @Test
  void anUnknownKeyIsReported() {
    ConfigException e = assertThrows(ConfigException.class, () -> Config.resolve(Map.of("gatway", Map.of("x", 1)), Map.of()));
    assertTrue(e.getMessage().contains("gatway.x"), e.getMessage());
  }

  @Test
  void aBadValueNamesItsKey() {
    Config c = Config.resolve(Map.of(), Map.of("LIVEDESK_PORT", "eighty"));
    ConfigException e = assertThrows(ConfigException.class, () -> HttpConfig.from(c));
    assertTrue(e.getMessage().contains("http.port"), e.getMessage());
  }

  @Test
  void theReadmeTableIsTheOneGeneratedFromTheSettings() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    String begin = "<!-- settings:begin -->\n";
    String end = "<!-- settings:end -->";
    String table = readme.substring(readme.indexOf(begin) + begin.length(), readme.indexOf(end));
    if (!table.equals(SettingsTable.markdown())) {
      Path expected = Path.of("target", "settings-table.md");
      Files.writeString(expected, SettingsTable.markdown());
      throw new AssertionError("README.md's configuration table is out of date: run scripts/update-readme-settings.py");
    }
  }
}
