package io.livedesk.server.routing;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable, validated rule set: intents with their words, tier and skill; what makes a
 * message angry; and the uplifts. Built from the JSON format of {@code routing-rules.json}, and
 * keeps that JSON to hand back to an admin.
 */
public final class Rules {

  /** One intent: the words that reveal it, the tier it deserves and the skill it needs. */
  record Intent(String name, Tier tier, String skill, Terms terms) {
  }

  private final JsonObject source;
  private final List<Intent> intents;
  private final Map<String, Intent> byName = new LinkedHashMap<>();
  private final String defaultIntent;
  private final Tier defaultTier;
  private final String defaultSkill;
  private final Terms angry;
  private final Tier angryTier;
  private final Tier cartHesitatingTier;
  private final Map<String, Tier> tagFloors;

  private Rules(JsonObject source, Tiers tiers) {
    this.source = source.copy();
    this.defaultIntent = text(source, "defaultIntent", "defaultIntent");
    this.defaultTier = tier(tiers, text(source, "defaultTier", "defaultTier"), "defaultTier");
    this.defaultSkill = text(source, "defaultSkill", "defaultSkill");
    JsonArray list = array(source, "intents", "intents");
    if (list.isEmpty()) {
      throw new InvalidRulesException("intents: at least one intent is needed");
    }
    List<Intent> parsed = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String where = "intents[" + i + "]";
      JsonObject o = object(list.getValue(i), where);
      String name = text(o, "name", where + ".name");
      Intent intent = new Intent(name, tier(tiers, text(o, "tier", where + ".tier"), where + ".tier"),
          o.containsKey("skill") ? text(o, "skill", where + ".skill") : defaultSkill, terms(o, where));
      if (intent.terms().terms().isEmpty()) {
        throw new InvalidRulesException(where + ": intent " + name + " has neither keywords nor patterns");
      }
      if (byName.put(name, intent) != null) {
        throw new InvalidRulesException(where + ".name: intent " + name + " is listed twice");
      }
      parsed.add(intent);
    }
    this.intents = List.copyOf(parsed);
    this.angry = source.containsKey("angry") ? terms(object(source.getValue("angry"), "angry"), "angry") : Terms.NONE;
    JsonObject uplifts = source.containsKey("uplifts") ? object(source.getValue("uplifts"), "uplifts") : new JsonObject();
    this.angryTier = optionalTier(tiers, uplifts, "angry");
    this.cartHesitatingTier = optionalTier(tiers, uplifts, "cartHesitating");
    Map<String, Tier> floors = new LinkedHashMap<>();
    JsonObject tags = uplifts.containsKey("tags") ? object(uplifts.getValue("tags"), "uplifts.tags") : new JsonObject();
    for (String tag : tags.fieldNames()) {
      floors.put(tag, tier(tiers, text(tags, tag, "uplifts.tags." + tag), "uplifts.tags." + tag));
    }
    this.tagFloors = Map.copyOf(floors);
  }

  /** Parses and validates; an {@link InvalidRulesException} names the first field at fault. */
  public static Rules parse(JsonObject json, Tiers tiers) {
    if (json == null) {
      throw new InvalidRulesException("the rules must be a JSON object");
    }
    return new Rules(json, tiers);
  }

  public static Rules parse(String json, Tiers tiers) {
    try {
      return parse(new JsonObject(json), tiers);
    } catch (DecodeException | ClassCastException e) {
      throw new InvalidRulesException("the rules are not a JSON object: " + e.getMessage());
    }
  }

  /** The rules as JSON, in the format they were given in. */
  public JsonObject toJson() {
    return source.copy();
  }

  public Set<String> intentNames() {
    return new HashSet<>(byName.keySet());
  }

  List<Intent> intents() {
    return intents;
  }

  Optional<Intent> intent(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  String defaultIntent() {
    return defaultIntent;
  }

  Tier defaultTier() {
    return defaultTier;
  }

  String defaultSkill() {
    return defaultSkill;
  }

  Terms angry() {
    return angry;
  }

  Optional<Tier> angryTier() {
    return Optional.ofNullable(angryTier);
  }

  Optional<Tier> cartHesitatingTier() {
    return Optional.ofNullable(cartHesitatingTier);
  }

  Map<String, Tier> tagFloors() {
    return tagFloors;
  }

  private static Terms terms(JsonObject o, String where) {
    return Terms.of(strings(o, "keywords", where), strings(o, "patterns", where), where);
  }

  private static Tier optionalTier(Tiers tiers, JsonObject uplifts, String key) {
    return uplifts.containsKey(key) ? tier(tiers, text(uplifts, key, "uplifts." + key), "uplifts." + key) : null;
  }

  private static Tier tier(Tiers tiers, String name, String where) {
    try {
      return tiers.get(name);
    } catch (IllegalArgumentException e) {
      throw new InvalidRulesException(where + ": " + e.getMessage());
    }
  }

  private static String text(JsonObject o, String key, String where) {
    if (!(o.getValue(key) instanceof String s) || s.isBlank()) {
      throw new InvalidRulesException(where + ": a non-empty string is required");
    }
    return s.trim();
  }

  private static List<String> strings(JsonObject o, String key, String where) {
    if (!o.containsKey(key)) {
      return List.of();
    }
    JsonArray array = array(o, key, where + "." + key);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String s)) {
        throw new InvalidRulesException(where + "." + key + "[" + i + "]: must be a string");
      }
      out.add(s);
    }
    return out;
  }

  private static JsonArray array(JsonObject o, String key, String where) {
    if (!(o.getValue(key) instanceof JsonArray a)) {
      throw new InvalidRulesException(where + ": a JSON array is required");
    }
    return a;
  }

  private static JsonObject object(Object value, String where) {
    if (!(value instanceof JsonObject o)) {
      throw new InvalidRulesException(where + ": a JSON object is required");
    }
    return o;
  }
}
