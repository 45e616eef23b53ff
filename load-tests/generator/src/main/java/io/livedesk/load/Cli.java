package io.livedesk.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** What the main of every load mode does: read {@code --name value} pairs, run, print one {@code RESULT} line, exit. */
final class Cli {

  private Cli() {
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    return options;
  }

  /** Prints the mode's result as {@code RESULT {json}} (and writes it to {@code out} unless empty), then exits. */
  static void runAndExit(Callable<Map<String, Object>> mode, String out) {
    try {
      String json = Json.write(mode.call());
      System.out.println("RESULT " + json);
      if (!out.isEmpty()) {
        Files.writeString(Path.of(out), json + "\n");
      }
    } catch (Exception | Error e) {
      e.printStackTrace();
      System.exit(1); // Vert.x threads would keep the JVM, and the script waiting on it, alive
    }
    System.exit(0);
  }
}
