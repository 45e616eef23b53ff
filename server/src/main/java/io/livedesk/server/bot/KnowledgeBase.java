package io.livedesk.server.bot;

import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.Texts;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The bot's answers: per intent, one text per language. Read from {@code faq.json}'s format:
 * {@code {"entries": [{"intent": "shipping", "answer": {"zh": "...", "en": "..."}}]}}.
 */
public final class KnowledgeBase {

  public static final String SHIPPED = "faq.json";

  private final Map<String, Map<Language, String>> answers;

  private KnowledgeBase(Map<String, Map<Language, String>> answers) {
    this.answers = Map.copyOf(answers);
  }

  /** The file the configuration names, or the shipped sample; a bad file stops the node naming the setting. */
  public static KnowledgeBase load(BotConfig config) {
    boolean shipped = config.knowledgeBase() == null || config.knowledgeBase().isBlank();
    String source = shipped ? SHIPPED : config.knowledgeBase();
    try {
      return parse(shipped ? Texts.resource(SHIPPED) : Files.readString(Path.of(source)));
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("in bot.knowledgeBase (" + source + "): " + e.getMessage());
    }
  }

  public static KnowledgeBase parse(String json) {
    JsonArray entries;
    try {
      entries = new JsonObject(json).getJsonArray("entries");
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("not a JSON object with an entries array: " + e.getMessage());
    }
    if (entries == null) {
      throw new IllegalArgumentException("an entries array is required");
    }
    Map<String, Map<Language, String>> answers = new HashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      String where = "entries[" + i + "]";
      JsonObject entry = entries.getValue(i) instanceof JsonObject o ? o : new JsonObject();
      String intent = entry.getValue("intent") instanceof String s && !s.isBlank() ? s.trim() : null;
      JsonObject answer = entry.getValue("answer") instanceof JsonObject a ? a : new JsonObject();
      if (intent == null) {
        throw new IllegalArgumentException(where + ".intent: a non-empty string is required");
      }
      Map<Language, String> texts = new EnumMap<>(Language.class);
      for (Language language : Language.values()) {
        if (answer.getValue(language.key()) instanceof String text && !text.isBlank()) {
          texts.put(language, text);
        }
      }
      if (texts.isEmpty()) {
        throw new IllegalArgumentException(where + ".answer: needs a zh or en text");
      }
      answers.put(intent, Map.copyOf(texts));
    }
    return new KnowledgeBase(answers);
  }

  /** The answer in that language, else in the other one the entry has; empty when the intent has none. */
  public Optional<String> answer(String intent, Language language) {
    Map<Language, String> texts = intent == null ? null : answers.get(intent);
    if (texts == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(texts.get(language)).or(() -> texts.values().stream().findFirst());
  }

  public Set<String> intents() {
    return answers.keySet();
  }
}
