package io.livedesk.load;

import java.util.Collection;
import java.util.Map;

/** Just enough JSON writing for result lines; keeps the generator free of a JSON library. */
final class Json {

  private Json() {
  }

  static String write(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder("{");
      m.forEach((k, val) -> b.append(b.length() > 1 ? "," : "").append(write(k.toString())).append(':').append(write(val)));
      return b.append('}').toString();
    }
    if (v instanceof Collection<?> c) {
      StringBuilder b = new StringBuilder("[");
      c.forEach(val -> b.append(b.length() > 1 ? "," : "").append(write(val)));
      return b.append(']').toString();
    }
    if (v instanceof Double d) {
      return d.isNaN() || d.isInfinite() ? "null" : d.toString();
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    String s = v.toString();
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> b.append(ch < 0x20 ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
      }
    }
    return b.append('"').toString();
  }
}
