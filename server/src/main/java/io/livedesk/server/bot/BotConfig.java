package io.livedesk.server.bot;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.Setting;

import java.util.List;

/** Where the bot's answers come from. */
public record BotConfig(String knowledgeBase) {

  public static final List<Setting> SETTINGS = List.of(
      Setting.of("bot.knowledgeBase", "",
          "JSON file of the bot's answers per intent in zh and en (format of faq.json); empty uses the shipped sample"));

  public static BotConfig from(Config c) {
    return new BotConfig(c.string("bot.knowledgeBase"));
  }
}
