package io.livedesk.server.config;

/** The README's configuration table, generated from {@link Settings#all()}. */
public final class SettingsTable {

  private SettingsTable() {
  }

  public static String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("| key (YAML) | environment variable | default | what it does |\n");
    out.append("|---|---|---|---|\n");
    for (Setting s : Settings.all()) {
      out.append("| `").append(s.key()).append("` | `").append(s.env()).append("` | ")
          .append(String.valueOf(s.defaultValue()).isEmpty() ? "(empty)" : "`" + s.defaultValue() + "`")
          .append(" | ").append(s.description()).append(" |\n");
    }
    return out.toString();
  }

  public static void main(String[] args) {
    System.out.print(markdown());
  }
}
