package io.livedesk.server.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Text resources shipped in the jar (default rules, knowledge bases) that configuration can replace. */
public final class Texts {

  private Texts() {
  }

  public static String resource(String name) throws IOException {
    try (InputStream in = Texts.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("resource " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
