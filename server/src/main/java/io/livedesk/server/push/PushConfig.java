package io.livedesk.server.push;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.Setting;

import java.util.List;

/** Frequency caps, the default behaviour rule and campaign scheduling. */
public record PushConfig(int maxPerUserPerHour, int cartDwellSeconds, int dwellCouponCents, int dwellCouponMinutes,
                         int conversionWindowMinutes, int schedulerIntervalMs) {

  public static final List<Setting> SETTINGS = List.of(
      Setting.of("push.maxPerUserPerHour", 5, "pushes one user receives at most per hour, all campaigns and rules together"),
      Setting.of("push.cartDwellSeconds", 20, "a cart dwell this long (seconds) fires the default rule: a prompt, or a coupon for price_sensitive viewers"),
      Setting.of("push.dwellCouponCents", 500, "amount off of the default rule's coupon, in cents"),
      Setting.of("push.dwellCouponMinutes", 30, "how long the default rule's coupon stays valid"),
      Setting.of("push.conversionWindowMinutes", 30, "an order within this many minutes of a claim counts as a conversion"),
      Setting.of("push.schedulerIntervalMs", 1000, "how often each node looks for scheduled campaigns that are due"));

  public static PushConfig from(Config c) {
    return new PushConfig(c.positive("push.maxPerUserPerHour"), c.positive("push.cartDwellSeconds"),
        c.positive("push.dwellCouponCents"), c.positive("push.dwellCouponMinutes"),
        c.positive("push.conversionWindowMinutes"), c.positive("push.schedulerIntervalMs"));
  }
}
