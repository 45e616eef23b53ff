package io.livedesk.server.privacy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks personal data in message text before it is stored, as help desks are asked to do:
 * payment card numbers (13-19 digits that pass the Luhn check, spaces or dashes allowed),
 * phone numbers (mainland China mobiles and international +CC numbers) and email addresses.
 * The last four digits of a card and phone stay visible so agents can still refer to them.
 */
public final class Masking {

  private static final Pattern CARD = Pattern.compile("(?<![\\d])(?:\\d[ -]?){12,18}\\d(?![\\d])");
  private static final Pattern PHONE = Pattern.compile(
      "(?<![\\d+])(?:\\+\\d{1,3}[ -]?)?(?:1[3-9]\\d[ -]?\\d{4}[ -]?\\d{4}|\\(?\\d{2,4}\\)?[ -]\\d{3,4}[ -]\\d{4})(?![\\d])");
  private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");

  private final PrivacyConfig config;

  public Masking(PrivacyConfig config) {
    this.config = config;
  }

  public String mask(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    if (config.maskCards()) {
      out = replace(CARD, out, m -> luhn(digits(m)) ? keepLast4(m) : m);
    }
    if (config.maskPhones()) {
      out = replace(PHONE, out, Masking::keepLast4);
    }
    if (config.maskEmails()) {
      out = replace(EMAIL, out, m -> {
        int at = m.indexOf('@');
        return m.charAt(0) + "***" + m.substring(at);
      });
    }
    return out;
  }

  private static String replace(Pattern p, String text, java.util.function.UnaryOperator<String> f) {
    Matcher m = p.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(f.apply(m.group())));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** Every digit becomes '*' except the last four; separators stay. */
  private static String keepLast4(String s) {
    int seen = 0;
    char[] c = s.toCharArray();
    for (int i = c.length - 1; i >= 0; i--) {
      if (Character.isDigit(c[i]) && ++seen > 4) {
        c[i] = '*';
      }
    }
    return new String(c);
  }

  private static String digits(String s) {
    return s.replaceAll("\\D", "");
  }

  static boolean luhn(String digits) {
    int sum = 0;
    boolean twice = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      int d = digits.charAt(i) - '0';
      if (twice) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      twice = !twice;
    }
    return sum % 10 == 0;
  }
}
