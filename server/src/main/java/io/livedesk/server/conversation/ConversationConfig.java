package io.livedesk.server.conversation;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.Setting;

import java.util.List;

/** Limits and timeouts of customer-service conversations. */
public record ConversationConfig(long inactivityTimeoutMs, int maxTextLength, int historyPageMax,
                                 long repeatWindowMs, int maxOpenPerCustomer, int maxMessagesStoring) {

  public static final List<Setting> SETTINGS = List.of(
      Setting.of("conversation.inactivityTimeoutMs", 600000, "an open conversation with no message for this long is closed"),
      Setting.of("conversation.maxTextLength", 2000, "longest message text, in characters"),
      Setting.of("conversation.historyPageMax", 100, "most messages in one history page"),
      Setting.of("conversation.repeatWindowHours", 24, "a question with the same intent from the same customer within this counts as repeated"),
      Setting.of("conversation.maxOpenPerCustomer", 3, "open conversations one customer may have at once; a further ask is refused "
          + "with CONFLICT naming an open one"),
      // 256, not 1,024: offered 2x and 4x the peak (conversations.sh, 2,000-8,000 msgs/s), a node
      // acknowledged 1,547-1,979/s with admitted messages waiting 26-519 ms (p50), against
      // 1,309-1,658/s and 536-1,626 ms with 1,024 in flight, whose buffers every young collection copied
      Setting.of("conversation.maxMessagesStoring", 256, "messages one node may be storing at once; a further send is refused at "
          + "once with STORE_UNAVAILABLE (retryable), so that when the store cannot keep up, acks stay fast instead of queueing"));

  public static ConversationConfig from(Config c) {
    return new ConversationConfig(c.positive("conversation.inactivityTimeoutMs"), c.positive("conversation.maxTextLength"),
        c.positive("conversation.historyPageMax"), c.positive("conversation.repeatWindowHours") * 3_600_000L,
        c.positive("conversation.maxOpenPerCustomer"), c.positive("conversation.maxMessagesStoring"));
  }
}
