package io.livedesk.server.room;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.Setting;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** Live-room limits, moderation defaults, batching and storage. */
public record RoomConfig(int historySize, int maxMessageLength, List<String> blockedTerms, int batchWindowMs,
                         int viewerCountIntervalMs, int autoSlowRate, int autoSlowSeconds, int autoSlowHoldSeconds,
                         int maxRoomsPerSession, int retentionHours) {

  public static final List<Setting> SETTINGS = List.of(
      Setting.of("rooms.historySize", 50, "messages a viewer receives when joining a room"),
      Setting.of("rooms.maxMessageLength", 200, "longest room message, in characters; longer ones get TOO_LONG"),
      Setting.of("rooms.blockedTerms", "加微信,加我微信,私聊我,刷单,代购,fuck,shit,add my wechat,scam",
          "comma-separated terms (any language, case-insensitive) refused in room messages with BLOCKED_TERM"),
      Setting.of("rooms.batchWindowMs", 50, "a busy room's messages are sent to each socket at most once per this window, batched"),
      Setting.of("rooms.viewerCountIntervalMs", 1000, "how often nodes share viewer counts and rooms are told a changed count"),
      Setting.of("rooms.autoSlowRate", 50, "messages per second in one room that switch slow mode on by itself; 0 never"),
      Setting.of("rooms.autoSlowSeconds", 3, "seconds between a user's messages while automatic slow mode is on"),
      Setting.of("rooms.autoSlowHoldSeconds", 30, "how long automatic slow mode (busy room or coupon drop) stays on after it was last triggered"),
      Setting.of("rooms.maxRoomsPerSession", 4, "rooms one connection may be in at once"),
      Setting.of("rooms.retentionHours", 0, "keep room messages in MongoDB this many hours for replay and moderation review; 0 stores none"));

  public static RoomConfig from(Config c) {
    int window = c.positive("rooms.batchWindowMs");
    if (window > 1000) {
      throw new ConfigException("in rooms.batchWindowMs: at most 1000, was " + window);
    }
    return new RoomConfig(c.positive("rooms.historySize"), c.positive("rooms.maxMessageLength"),
        terms(c.raw("rooms.blockedTerms")), window, c.positive("rooms.viewerCountIntervalMs"),
        c.nonNegative("rooms.autoSlowRate"), c.positive("rooms.autoSlowSeconds"), c.positive("rooms.autoSlowHoldSeconds"),
        c.positive("rooms.maxRoomsPerSession"), c.nonNegative("rooms.retentionHours"));
  }

  /** A YAML list or a comma-separated string; folded like the messages they are looked for in. */
  private static List<String> terms(Object raw) {
    Collection<?> items = raw instanceof Collection<?> list ? list : Arrays.asList(String.valueOf(raw).split(","));
    return items.stream().map(o -> fold(String.valueOf(o))).filter(t -> !t.isEmpty()).distinct().toList();
  }

  /** The first blocked term the text contains, ignoring case, width, spaces and invisible characters, or null. */
  public String blockedTermIn(String text) {
    String folded = fold(text);
    for (String term : blockedTerms) {
      if (folded.contains(term)) {
        return term;
      }
    }
    return null;
  }

  /**
   * What a reader sees, not how it is encoded: full-width forms to ASCII ("ｓｃａｍ" to "scam",
   * as routing's Terms does), lower case, and no spaces or invisible format characters
   * (zero-width space and joiners, the byte-order mark, soft hyphen), which would otherwise split
   * a term without changing how it looks.
   */
  static String fold(String text) {
    String normal = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    StringBuilder out = new StringBuilder(normal.length());
    normal.codePoints()
        .filter(c -> !Character.isWhitespace(c) && !Character.isSpaceChar(c) && Character.getType(c) != Character.FORMAT)
        .forEach(out::appendCodePoint);
    return out.toString();
  }
}
