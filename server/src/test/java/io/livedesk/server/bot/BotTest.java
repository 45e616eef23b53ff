package io.livedesk.server.bot;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.metrics.Metrics;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bot answers what its knowledge base knows, in the customer's language, and knows when to step aside. */
class BotTest {

  private final Metrics metrics = new Metrics();
  private final Bot bot = new Bot(KnowledgeBase.load(BotConfig.from(Config.of(Map.of()))), metrics);

  @Test
  void answersInChineseToAChineseQuestion() {
    Bot.BotReply reply = bot.reply("今天下单什么时候发货", "shipping", 0);
    assertFalse(reply.handoff());
    assertTrue(reply.answer().orElseThrow().contains("48小时内发货"), reply.toString());
  }

  @Test
  void answersInEnglishToAnEnglishQuestion() {
    Bot.BotReply reply = bot.reply("When will my order ship?", "shipping", 0);
    assertFalse(reply.handoff());
    assertTrue(reply.answer().orElseThrow().startsWith("Orders placed during the stream ship within 48 hours"));
  }

  @Test
  void detectsTheLanguageOfMixedText() {
    assertEquals(Language.ZH, Language.of("iPhone 15能用吗"));
    assertEquals(Language.EN, Language.of("Is the 红色 one in stock?"));
  }

  @Test
  void handsOffWhenTheCustomerAsksForAPerson() {
    for (String text : new String[] {"转人工", "我要人工客服", "can I talk to a human", "agent please", "I want a real person"}) {
      Bot.BotReply reply = bot.reply(text, "shipping", 0);
      assertTrue(reply.handoff(), text);
      assertEquals(Bot.ASKED_FOR_PERSON, reply.reason(), text);
      assertTrue(reply.answer().isEmpty());
    }
  }

  @Test
  void artificialLeatherIsNotARequestForAPerson() {
    assertFalse(Bot.asksForPerson("是真皮还是人工皮革"));
  }

  @Test
  void handsOffAnIntentWithNoAnswer() {
    Bot.BotReply reply = bot.reply("付款失败了", "payment", 0);
    assertTrue(reply.handoff());
    assertEquals(Bot.NO_ANSWER, reply.reason());
  }

  @Test
  void handsOffTheSecondUnansweredQuestion() {
    assertFalse(bot.reply("What's your return policy?", "returns", 0).handoff());
    Bot.BotReply second = bot.reply("And for sale items?", "returns", 1);
    assertTrue(second.handoff());
    assertEquals(Bot.UNANSWERED_AGAIN, second.reason());
  }

  @Test
  void countsResolutionsAndHandoffs() {
    bot.reply("可以开发票吗", "invoice", 0);
    bot.reply("转人工", "invoice", 0);
    bot.reply("price is wrong", "price_mismatch", 0);
    String scrape = metrics.scrape();
    assertTrue(scrape.contains("livedesk_bot_resolutions_total{intent=\"invoice\"} 1"), scrape);
    assertTrue(scrape.contains("livedesk_bot_handoffs_total{reason=\"asked_for_person\"} 1"), scrape);
    assertTrue(scrape.contains("livedesk_bot_handoffs_total{reason=\"no_answer\"} 1"), scrape);
  }

  @Test
  void aKnowledgeBaseFromConfigurationReplacesTheShippedOne() throws Exception {
    Path file = Files.createTempFile("kb", ".json");
    Files.writeString(file, """
        {"entries": [{"intent": "payment", "answer": {"zh": "请换一张卡再试", "en": "Please try another card"}}]}
        """);
    Bot own = new Bot(KnowledgeBase.load(new BotConfig(file.toString())), new Metrics());
    assertEquals("Please try another card", own.reply("My card was declined", "payment", 0).answer().orElseThrow());
    assertTrue(own.reply("When will it ship?", "shipping", 0).handoff());
  }

  @Test
  void aBrokenKnowledgeBaseStopsTheNodeNamingTheSetting() throws Exception {
    Path file = Files.createTempFile("kb", ".json");
    Files.writeString(file, "{\"entries\": [{\"intent\": \"x\", \"answer\": {}}]}");
    ConfigException e = assertThrows(ConfigException.class, () -> KnowledgeBase.load(new BotConfig(file.toString())));
    assertTrue(e.getMessage().contains("bot.knowledgeBase") && e.getMessage().contains("entries[0].answer"),
        e.getMessage());
  }
}
