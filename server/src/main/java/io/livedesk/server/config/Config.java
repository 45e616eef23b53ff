package io.livedesk.server.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolved configuration: built-in defaults, then a YAML file, then {@code LIVEDESK_*}
 * environment variables. Typed views per area ({@link HttpConfig}, {@code AuthConfig}, ...)
 * read from it and validate, naming the key that is wrong.
 */
public final class Config {

  /** Environment variable naming the YAML file; otherwise {@code livedesk.yaml} in the working directory if present. */
  public static final String FILE_ENV = "LIVEDESK_CONFIG";

  private final Map<String, Object> values;

  private Config(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  public static Config load(Map<String, String> env) {
    String file = env.get(FILE_ENV);
    Path path = file != null ? Path.of(file) : Path.of("livedesk.yaml");
    Map<String, Object> yaml = Map.of();
    if (file != null || Files.exists(path)) {
      yaml = readYaml(path);
    }
    return resolve(yaml, env);
  }

  /** Defaults overridden by {@code yaml} (nested or dotted keys), then by {@code env}. */
  public static Config resolve(Map<String, Object> yaml, Map<String, String> env) {
    Map<String, Object> flat = new LinkedHashMap<>();
    flatten("", yaml, flat);
    Map<String, Object> values = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>(flat.keySet());
    for (Setting s : Settings.all()) {
      Object value = s.defaultValue();
      if (flat.containsKey(s.key())) {
        value = flat.get(s.key());
        unknown.remove(s.key());
      }
      if (env.containsKey(s.env())) {
        value = env.get(s.env());
      }
      values.put(s.key(), value);
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException("unknown configuration keys " + unknown + " (see the README's table)");
    }
    return new Config(values);
  }

  /** Defaults with a few settings changed: for tests and embedding. */
  public static Config of(Map<String, Object> overrides) {
    return resolve(overrides, Map.of());
  }

  public Config with(String key, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(values);
    if (!copy.containsKey(key)) {
      throw new ConfigException("unknown configuration key " + key);
    }
    copy.put(key, value);
    return new Config(copy);
  }

  public String string(String key) {
    Object v = raw(key);
    return v == null ? null : v.toString();
  }

  public int integer(String key) {
    Object v = raw(key);
    try {
      return v instanceof Number n ? n.intValue() : Integer.parseInt(v.toString().trim());
    } catch (NumberFormatException | NullPointerException e) {
      throw new ConfigException("in " + key + ": '" + v + "' is not a whole number");
    }
  }

  public long longValue(String key) {
    Object v = raw(key);
    try {
      return v instanceof Number n ? n.longValue() : Long.parseLong(v.toString().trim());
    } catch (NumberFormatException | NullPointerException e) {
      throw new ConfigException("in " + key + ": '" + v + "' is not a whole number");
    }
  }

  public boolean bool(String key) {
    Object v = raw(key);
    if (v instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(v).trim().toLowerCase();
    return switch (s) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off", "", "null" -> false;
      default -> throw new ConfigException("in " + key + ": '" + v + "' is not true or false");
    };
  }

  public int positive(String key) {
    int v = integer(key);
    if (v <= 0) {
      throw new ConfigException("in " + key + ": must be positive, was " + v);
    }
    return v;
  }

  public int nonNegative(String key) {
    int v = integer(key);
    if (v < 0) {
      throw new ConfigException("in " + key + ": cannot be negative, was " + v);
    }
    return v;
  }

  /** The raw value for area classes that parse structured settings (lists, maps). */
  public Object raw(String key) {
    if (!values.containsKey(key)) {
      throw new ConfigException("unknown configuration key " + key);
    }
    return values.get(key);
  }

  public Map<String, Object> asMap() {
    return values;
  }

  private static Map<String, Object> readYaml(Path path) {
    try (Reader reader = Files.newBufferedReader(path)) {
      Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
      if (doc == null) {
        return Map.of();
      }
      if (!(doc instanceof Map<?, ?> map)) {
        throw new ConfigException("in " + path + ": the top level must be a mapping");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) map;
      return m;
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration file " + path + ": " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static void flatten(String prefix, Map<String, Object> in, Map<String, Object> out) {
    for (Map.Entry<String, Object> e : in.entrySet()) {
      String key = prefix + e.getKey();
      // A map is a section unless the setting itself takes a map (e.g. rooms.blockedTerms is a list).
      if (e.getValue() instanceof Map<?, ?> nested && !Settings.isKey(key)) {
        flatten(key + ".", (Map<String, Object>) nested, out);
      } else {
        out.put(key, e.getValue());
      }
    }
  }
}
