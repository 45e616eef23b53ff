package io.livedesk.server.privacy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks personal data in message text before it is stored, as help desks are asked to do:
 * payment card numbers (13-19 digits that pass the Luhn check, spaces or dashes allowed),
 * phone numbers (mainland China mobiles and landlines, international +CC numbers), mainland
 * China resident ID card numbers and email addresses. Digits are any Unicode digits, so full-width
 * ones (１３９…) are masked like ASCII ones. The last four characters of a card, phone or ID number
 * stay visible so agents can still refer to them.
 */
public final class Masking {

  /** 6-digit region, birth date 19xx/20xx, 3-digit sequence, check digit or X. */
  private static final Pattern ID_NUMBER = Pattern.compile(
      "(?<![\\dA-Za-z])\\d{6}(?:19|20)\\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])\\d{3}[\\dXx](?![\\dA-Za-z])");
  private static final Pattern CARD = Pattern.compile("(?<![\\d])(?:\\d[ -]?){12,18}\\d(?![\\d])");
  private static final Pattern PHONE = Pattern.compile(
      "(?<![\\d+])(?:\\+\\d{1,3}[ -]?)?(?:1[3-9]\\d[ -]?\\d{4}[ -]?\\d{4}|\\(?\\d{2,4}\\)?[ -]\\d{3,4}[ -]\\d{4})(?![\\d])");
  /** A mainland landline: 0 and a 2-3 digit area code (bracketed or not, a separator or not), then 7-8 digits. */
  private static final Pattern LANDLINE = Pattern.compile("(?<![\\d+])(?:0\\d{2,3}|\\(0\\d{2,3}\\))[ -]?\\d{7,8}(?!\\d)");
  /**
   * Starts only where a run of address characters starts, and takes the run whole: without both,
   * a long run with no '@' (4,000 letters in a room message) cost a quadratic search.
   */
  private static final Pattern EMAIL = Pattern.compile(
      "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");

  private final PrivacyConfig config;

  public Masking(PrivacyConfig config) {
    this.config = config;
  }

  public String mask(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    if (config.maskIdNumbers()) {
      out = replace(ID_NUMBER, out, Masking::keepLast4);
    }
    if (config.maskCards()) {
      out = replace(CARD, out, m -> luhn(digits(halfWidth(m))) ? keepLast4(m) : m);
    }
    if (config.maskPhones()) {
      out = replace(PHONE, out, Masking::keepLast4);
      out = replace(LANDLINE, out, Masking::keepLast4);
    }
    if (config.maskEmails()) {
      out = replace(EMAIL, out, m -> {
        int at = halfWidth(m).indexOf('@');
        return m.charAt(0) + "***" + m.substring(at);
      });
    }
    return out;
  }

  /**
   * Matches on a half-width copy of the text (full-width digits, plus, minus, brackets and space
   * turned into ASCII, one char for one, so positions agree) and replaces in the original.
   */
  private static String replace(Pattern p, String text, java.util.function.UnaryOperator<String> f) {
    Matcher m = p.matcher(halfWidth(text));
    StringBuilder sb = new StringBuilder();
    int last = 0;
    while (m.find()) {
      sb.append(text, last, m.start()).append(f.apply(text.substring(m.start(), m.end())));
      last = m.end();
    }
    return sb.append(text, last, text.length()).toString();
  }

  static String halfWidth(String text) {
    char[] c = text.toCharArray();
    for (int i = 0; i < c.length; i++) {
      char ch = c[i];
      if (ch >= '\uff01' && ch <= '\uff5e') {
        c[i] = (char) (ch - 0xfee0);
      } else if (ch == '\u3000') {
        c[i] = ' ';
      }
    }
    return new String(c);
  }

  /** Every digit (and an ID's check letter) becomes '*' except the last four; separators stay. */
  private static String keepLast4(String s) {
    int seen = 0;
    char[] c = s.toCharArray();
    for (int i = c.length - 1; i >= 0; i--) {
      if ((Character.isDigit(c[i]) || "Xx\uff38\uff58".indexOf(c[i]) >= 0) && ++seen > 4) {
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
