package io.livedesk.server.routing;

/**
 * Text that a regular expression may read only so many times. java.util.regex backtracks, and a
 * shop's pattern such as {@code (a+)+$} can take exponential time on a short message, on an event
 * loop; every character the engine reads goes through {@link #charAt}, so a budget proportional
 * to the text's length bounds the work whatever the pattern.
 */
final class BoundedText implements CharSequence {

  /** Reads per character of text (plus a floor) before a match is given up. */
  static final int READS_PER_CHAR = 2_000;
  private static final int MIN_READS = 100_000;

  /** Thrown when a pattern has read its budget; the caller treats the pattern as not matching. */
  static final class TooMuchBacktracking extends RuntimeException {
    TooMuchBacktracking() {
      super("the pattern backtracks too much", null, false, false);
    }
  }

  private final String text;
  private final int[] reads;
  private final int budget;

  private BoundedText(String text, int[] reads, int budget) {
    this.text = text;
    this.reads = reads;
    this.budget = budget;
  }

  static BoundedText of(String text) {
    return new BoundedText(text, new int[1], MIN_READS + READS_PER_CHAR * text.length());
  }

  @Override
  public char charAt(int index) {
    if (++reads[0] > budget) {
      throw new TooMuchBacktracking();
    }
    return text.charAt(index);
  }

  @Override
  public int length() {
    return text.length();
  }

  @Override
  public CharSequence subSequence(int start, int end) {
    return new BoundedText(text.substring(start, end), reads, budget);
  }

  @Override
  public String toString() {
    return text;
  }
}
