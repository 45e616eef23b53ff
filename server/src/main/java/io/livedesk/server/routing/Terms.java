package io.livedesk.server.routing;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keywords and regex patterns matched against normalised text (full-width folded, lower case).
 * A keyword in Latin letters matches whole words, and a trailing {@code *} makes it a prefix
 * ("ship*" finds "shipping", never "relationship"); a Chinese keyword matches anywhere. A pattern
 * hit weighs more than a keyword hit, because it says more.
 */
record Terms(List<Term> terms) {

  static final int KEYWORD_WEIGHT = 1;
  static final int PATTERN_WEIGHT = 2;
  static final Terms NONE = new Terms(List.of());
  private static final Pattern LATIN = Pattern.compile("[a-z0-9]");
  private static final String NOT_WORD = "(?![a-z0-9])";
  private static final String NOT_AFTER_WORD = "(?<![a-z0-9])";

  record Term(Pattern pattern, int weight) {
  }

  /** What matched, and how much it weighs. */
  record Hits(List<String> matched, int score) {
    boolean any() {
      return score > 0;
    }
  }

  static Terms of(List<String> keywords, List<String> patterns, String where) {
    List<Term> terms = new ArrayList<>();
    for (int i = 0; i < keywords.size(); i++) {
      String keyword = normalize(keywords.get(i)).trim();
      if (keyword.isEmpty() || keyword.equals("*")) {
        throw new InvalidRulesException(where + ".keywords[" + i + "]: a keyword cannot be empty");
      }
      terms.add(new Term(keywordPattern(keyword), KEYWORD_WEIGHT));
    }
    for (int i = 0; i < patterns.size(); i++) {
      try {
        terms.add(new Term(Pattern.compile(patterns.get(i), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE),
            PATTERN_WEIGHT));
      } catch (RuntimeException e) {
        throw new InvalidRulesException(where + ".patterns[" + i + "]: not a valid regular expression: "
            + e.getMessage().lines().findFirst().orElse(""));
      }
    }
    return new Terms(List.copyOf(terms));
  }

  private static Pattern keywordPattern(String keyword) {
    boolean prefix = keyword.endsWith("*");
    String word = prefix ? keyword.substring(0, keyword.length() - 1) : keyword;
    String start = LATIN.matcher(word.substring(0, 1)).matches() ? NOT_AFTER_WORD : "";
    String end = !prefix && LATIN.matcher(word.substring(word.length() - 1)).matches() ? NOT_WORD : "";
    return Pattern.compile(start + Pattern.quote(word) + end);
  }

  Hits match(String normalizedText) {
    List<String> matched = new ArrayList<>();
    int score = 0;
    for (Term term : terms) {
      Matcher m = term.pattern().matcher(normalizedText);
      if (m.find()) {
        matched.add(m.group());
        score += term.weight();
      }
    }
    return new Hits(matched, score);
  }

  /** Full-width forms to ASCII ("！" to "!", "Ｍ" to "M"), then lower case. */
  static String normalize(String text) {
    return Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
  }
}
