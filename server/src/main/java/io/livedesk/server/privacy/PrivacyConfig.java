package io.livedesk.server.privacy;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.Setting;

import java.util.List;

/** What personal data is masked before messages are stored, and how long transcripts are kept. */
public record PrivacyConfig(boolean maskPhones, boolean maskCards, boolean maskEmails, int transcriptRetentionDays,
                            int retentionCheckMs, boolean maskIdNumbers) {

  public static final List<Setting> SETTINGS = List.of(
      Setting.of("privacy.maskPhones", true, "mask phone numbers (mobiles, landlines, +CC numbers) in stored and room messages"),
      Setting.of("privacy.maskCards", true, "mask payment card numbers (Luhn-valid digit runs) in stored and room messages"),
      Setting.of("privacy.maskEmails", true, "mask email addresses in stored and room messages"),
      Setting.of("privacy.maskIdNumbers", true, "mask mainland China resident ID card numbers (18 characters) in stored and room messages"),
      Setting.of("privacy.transcriptRetentionDays", 0, "delete transcripts older than this many days; 0 keeps them"),
      Setting.of("privacy.retentionCheckMs", 3_600_000,
          "how often one node of the cluster deletes transcripts past the retention time"));

  public static PrivacyConfig from(Config c) {
    return new PrivacyConfig(c.bool("privacy.maskPhones"), c.bool("privacy.maskCards"), c.bool("privacy.maskEmails"),
        c.nonNegative("privacy.transcriptRetentionDays"), c.positive("privacy.retentionCheckMs"),
        c.bool("privacy.maskIdNumbers"));
  }
}
