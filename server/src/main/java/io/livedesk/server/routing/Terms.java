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
      Pattern pattern;
      try {
        pattern = Pattern.compile(patterns.get(i), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
      } catch (RuntimeException e) {
        throw new InvalidRulesException(where + ".patterns[" + i + "]: not a valid regular expression: "
            + e.getMessage().lines().findFirst().orElse(""));
      }
      if (backtracksCatastrophically(pattern)) {
        throw new InvalidRulesException(where + ".patterns[" + i + "]: backtracks catastrophically on repeated input "
            + "(nested repetition such as (a+)+ or (a|a)*); rewrite it without nested quantifiers");
      }
      terms.add(new Term(pattern, PATTERN_WEIGHT));
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
      String hit = find(term.pattern(), normalizedText);
      if (hit != null) {
        matched.add(hit);
        score += term.weight();
      }
    }
    return new Hits(matched, score);
  }

  /** The first match, or null; a pattern that overruns its reading budget on this text counts as no match. */
  private static String find(Pattern pattern, String text) {
    try {
      Matcher m = pattern.matcher(BoundedText.of(text));
      return m.find() ? m.group() : null;
    } catch (BoundedText.TooMuchBacktracking e) {
      return null;
    }
  }

  /**
   * Tries the pattern on runs of each character it is written with (and of a letter, a digit, a
   * space and a Chinese character), each
   * ended by one that breaks the run: the inputs on which nested repetition explodes. A pattern
   * that overruns the reading budget on any of them is refused when the rules are loaded.
   */
  static boolean backtracksCatastrophically(Pattern pattern) {
    java.util.Set<Integer> chars = new java.util.TreeSet<>();
    pattern.pattern().codePoints().filter(c -> !Character.isISOControl(c)).limit(64).forEach(chars::add);
    chars.addAll(List.of((int) 'a', (int) '1', (int) ' ', (int) '\u4e00'));
    for (int c : chars) {
      String run = new String(Character.toChars(c)).repeat(48);
      for (String end : List.of("!", "\u0000", "")) {
        try {
          pattern.matcher(BoundedText.of(run + end)).find();
        } catch (BoundedText.TooMuchBacktracking e) {
          return true;
        }
      }
    }
    return false;
  }

  /** Full-width forms to ASCII ("！" to "!", "Ｍ" to "M"), then lower case. */
  static String normalize(String text) {
    return Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
  }
}
