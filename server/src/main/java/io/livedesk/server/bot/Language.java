package io.livedesk.server.bot;

/** The languages the bot answers in, detected from the customer's own text. */
public enum Language {
  ZH, EN;

  /**
   * Chinese when the text has at least as many Han characters as Latin words, so
   * "iPhone 15能用吗" is Chinese and "Is the 红色 one in stock?" is English.
   */
  public static Language of(String text) {
    if (text == null) {
      return EN;
    }
    int han = 0;
    int latinWords = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.UnicodeScript.of(cp) == Character.UnicodeScript.HAN) {
        han++;
      }
      boolean latin = cp < 0x250 && Character.isLetter(cp);
      if (latin && !inWord) {
        latinWords++;
      }
      inWord = latin;
    }
    return han > 0 && han >= latinWords ? ZH : EN;
  }

  /** The key of this language in the knowledge base file. */
  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
