package io.livedesk.protocol;

/**
 * Reads the JSON frames clients actually send in one pass over the text, straight into the
 * generated builders. It is a fast path only: it accepts strict JSON whose every key and value it
 * fully understands, and says "don't know" (null) for anything else, so that FrameCodec's checked
 * JsonFormat path decides: null values, maps, duplicate keys, two members of a oneof, numbers
 * in any but the plain forms, strings with raw control characters or unpaired surrogates,
 * unknown enum names, nesting beyond {@link FrameCodec#MAX_JSON_DEPTH}, trailing text... It
 * never accepts what that path refuses and builds the same frame when both accept.
 */
final class JsonFrameReader {

  // what follows an object's member or an array's element (afterElement)
  private static final int CLOSED = 1;
  private static final int MORE = 0;
  private static final int BROKEN = -1;

  private final String text;
  private final int end;
  private int pos;
  private int depth;

  /** The last integer or double read. */
  private long integer;
  private double real;

  private JsonFrameReader(String text) {
    this.text = text;
    this.end = text.length();
  }

  /** The frame, or null when the checked path must decide (which may also accept it). */
  static Frame read(String text) {
    JsonFrameReader reader = new JsonFrameReader(text);
    Frame.Builder frame = Frame.newBuilder();
    reader.skipWhitespace();
    if (!reader.readObject(JsonMessageType.FRAME, frame)) {
      return null;
    }
    reader.skipWhitespace();
    return reader.pos == reader.end ? frame.build() : null;
  }

  /** The char at pos; 0 past the end (0 is never valid where a char is expected, so it fails every test). */
  private char at() {
    return pos < end ? text.charAt(pos) : 0;
  }

  /** The four characters Gson skips between tokens (comments, which it also skips, fall back). */
  private void skipWhitespace() {
    while (pos < end) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      pos++;
    }
  }

  private boolean readObject(JsonMessageType type, Object builder) {
    if (at() != '{' || !type.readable || ++depth > FrameCodec.MAX_JSON_DEPTH) {
      return false;
    }
    pos++;
    skipWhitespace();
    if (at() == '}') {
      pos++;
      depth--;
      return true;
    }
    long seen = 0;
    while (true) {
      if (at() != '"') {
        return false;
      }
      int keyEnd = plainStringEnd();
      int index;
      if (keyEnd >= 0) {
        index = type.names.find(text, pos + 1, keyEnd);
        pos = keyEnd + 1;
      } else {
        String key = readString();
        if (key == null) {
          return false;
        }
        index = type.names.find(key, 0, key.length());
      }
      skipWhitespace();
      if (at() != ':') {
        return false;
      }
      pos++;
      skipWhitespace();
      if (index < 0) {
        if (!skipValue()) { // JsonFormat ignores unknown fields
          return false;
        }
      } else {
        JsonField field = type.fields[index];
        if ((seen & field.conflicts) != 0) {
          return false; // given twice (by both names) or beside a oneof sibling: JsonFormat's error or choice
        }
        seen |= field.bit;
        if (!readField(field, builder)) {
          return false;
        }
      }
      int next = afterElement('}');
      if (next != MORE) {
        return next == CLOSED;
      }
    }
  }

  private boolean readField(JsonField field, Object builder) {
    if (!field.readable) {
      return false;
    }
    if (!field.repeated) {
      return readValue(field, builder);
    }
    if (at() != '[' || ++depth > FrameCodec.MAX_JSON_DEPTH) {
      return false;
    }
    pos++;
    skipWhitespace();
    if (at() == ']') {
      pos++;
      depth--;
      return true;
    }
    while (true) {
      if (!readValue(field, builder)) {
        return false;
      }
      int next = afterElement(']');
      if (next != MORE) {
        return next == CLOSED;
      }
    }
  }

  /**
   * After an object's member or an array's element: CLOSED past the closing bracket (the depth
   * left), MORE past a comma and the whitespace after it, BROKEN at anything else.
   */
  private int afterElement(char close) {
    skipWhitespace();
    char c = at();
    pos++;
    if (c == close) {
      depth--;
      return CLOSED;
    }
    if (c != ',') {
      return BROKEN;
    }
    skipWhitespace();
    return MORE;
  }

  /** One value (an element, for a repeated field) set or added on the builder. */
  private boolean readValue(JsonField field, Object builder) {
    switch (field.kind) {
      case STRING -> {
        String value = at() == '"' ? readString() : null;
        // FrameCodec refuses unpaired surrogates in string fields; that refusal is the slow path's to make.
        if (value == null || hasUnpairedSurrogate(value)) {
          return false;
        }
        field.setString.accept(builder, value);
      }
      case BOOL -> {
        if (text.startsWith("true", pos)) {
          pos += 4;
          field.setFlag.set(builder, true);
        } else if (text.startsWith("false", pos)) {
          pos += 5;
          field.setFlag.set(builder, false);
        } else {
          return false; // "true" as a string, which JsonFormat also takes, falls back
        }
      }
      case INT32, UINT32, INT64, UINT64 -> {
        if (!readInteger(field.kind)) {
          return false;
        }
        if (field.kind == JsonField.Kind.INT64 || field.kind == JsonField.Kind.UINT64) {
          field.setInt64.accept(builder, integer);
        } else {
          field.setInt32.accept(builder, (int) integer);
        }
      }
      case DOUBLE -> {
        if (!readDouble()) {
          return false;
        }
        field.setReal.accept(builder, real);
      }
      case ENUM -> {
        if (at() == '"') {
          int nameEnd = plainStringEnd();
          if (nameEnd < 0 || !field.enumType.isName(text, pos + 1, nameEnd)) {
            return false; // unknown names are dropped by JsonFormat; numbers as strings are parsed: both fall back
          }
          field.setInt32.accept(builder, field.enumType.numberOf(text, pos + 1, nameEnd));
          pos = nameEnd + 1;
        } else if (at() != '-' && (at() < '0' || at() > '9') || !readInteger(JsonField.Kind.INT32)) {
          return false;
        } else {
          field.setInt32.accept(builder, (int) integer); // an open enum keeps numbers it does not know
        }
      }
      case MESSAGE -> {
        return at() == '{' && readObject(field.messageType, field.builder.apply(builder));
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /**
   * An integer as JsonFormat reads it with Long.parseLong: a JSON number or a string holding
   * {@code -?(0|[1-9][0-9]*)}, within the range of the kind. Fractions and exponents (BigDecimal
   * in JsonFormat), a plus sign and leading zeros fall back.
   */
  private boolean readInteger(JsonField.Kind kind) {
    boolean quoted = at() == '"';
    if (quoted) {
      pos++;
    }
    boolean negative = at() == '-';
    if (negative) {
      pos++;
    }
    int digitsFrom = pos;
    long value = 0; // accumulated negatively, so Long.MIN_VALUE fits
    while (pos < end) {
      char c = text.charAt(pos);
      if (c < '0' || c > '9') {
        break;
      }
      int digit = c - '0';
      if (value < Long.MIN_VALUE / 10 || value * 10 < Long.MIN_VALUE + digit) {
        return false;
      }
      value = value * 10 - digit;
      pos++;
    }
    int digits = pos - digitsFrom;
    if (digits == 0 || digits > 1 && text.charAt(digitsFrom) == '0') {
      return false;
    }
    if (quoted) {
      if (at() != '"') {
        return false;
      }
      pos++;
    }
    if (!negative) {
      if (value == Long.MIN_VALUE) {
        return false;
      }
      value = -value;
    }
    boolean inRange = switch (kind) {
      case INT32 -> value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE;
      case UINT32 -> value >= 0 && value <= 0xFFFF_FFFFL;
      case UINT64 -> value >= 0; // beyond Long.MAX_VALUE falls back
      default -> true;
    };
    integer = value;
    return inRange;
  }

  /**
   * A double: a JSON number of at most 64 characters and a 3-digit exponent (so FrameCodec's limits
   * hold), or the strings "NaN", "Infinity", "-Infinity". JsonFormat converts numbers through
   * BigDecimal, which rounds like Double.parseDouble but turns a literal zero into +0.0.
   */
  private boolean readDouble() {
    if (at() == '"') {
      String value = readString();
      if ("NaN".equals(value)) {
        real = Double.NaN;
      } else if ("Infinity".equals(value)) {
        real = Double.POSITIVE_INFINITY;
      } else if ("-Infinity".equals(value)) {
        real = Double.NEGATIVE_INFINITY;
      } else {
        return false;
      }
      return true;
    }
    int from = pos;
    if (at() == '-') {
      pos++;
    }
    boolean nonZero = false;
    if (at() == '0') {
      pos++;
    } else if (at() >= '1' && at() <= '9') {
      while (at() >= '0' && at() <= '9') {
        nonZero = true;
        pos++;
      }
    } else {
      return false;
    }
    if (at() == '.') {
      pos++;
      int fractionFrom = pos;
      while (at() >= '0' && at() <= '9') {
        nonZero |= at() != '0';
        pos++;
      }
      if (pos == fractionFrom) {
        return false;
      }
    }
    if (at() == 'e' || at() == 'E') {
      pos++;
      if (at() == '+' || at() == '-') {
        pos++;
      }
      int exponentFrom = pos;
      while (at() >= '0' && at() <= '9') {
        pos++;
      }
      if (pos == exponentFrom || pos - exponentFrom > 3) {
        return false;
      }
    }
    if (pos - from > 64) {
      return false;
    }
    double value = Double.parseDouble(text.substring(from, pos));
    if (Double.isInfinite(value)) {
      return false; // JsonFormat's "out of range" error, or its rounding near Double.MAX_VALUE
    }
    real = nonZero ? value : 0.0;
    return true;
  }

  /** The index of the closing quote of the string at pos when it has no escapes and no control characters, else -1. */
  private int plainStringEnd() {
    for (int i = pos + 1; i < end; i++) {
      char c = text.charAt(i);
      if (c == '"') {
        return i;
      }
      if (c == '\\' || c < 0x20) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * The string at pos with its JSON escapes resolved, pos moved past it; null for anything but
   * strict JSON (raw control characters and Gson's extra escapes such as \' fall back).
   */
  private String readString() {
    int plainEnd = plainStringEnd();
    if (plainEnd >= 0) {
      String value = text.substring(pos + 1, plainEnd);
      pos = plainEnd + 1;
      return value;
    }
    StringBuilder out = new StringBuilder();
    for (int i = pos + 1; i < end; i++) {
      char c = text.charAt(i);
      if (c == '"') {
        pos = i + 1;
        return out.toString();
      }
      if (c < 0x20) {
        return null;
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (++i >= end) {
        return null;
      }
      switch (text.charAt(i)) {
        case '"' -> out.append('"');
        case '\\' -> out.append('\\');
        case '/' -> out.append('/');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          if (i + 4 >= end) {
            return null;
          }
          int code = 0;
          for (int k = 1; k <= 4; k++) {
            int digit = Character.digit(text.charAt(i + k), 16);
            if (digit < 0) {
              return null;
            }
            code = code * 16 + digit;
          }
          out.append((char) code);
          i += 4;
        }
        default -> {
          return null;
        }
      }
    }
    return null;
  }

  private static boolean hasUnpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /** Passes over the value of an unknown key, checking that it is strict JSON within the depth limit. */
  private boolean skipValue() {
    char c = at();
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      if (++depth > FrameCodec.MAX_JSON_DEPTH) {
        return false;
      }
      pos++;
      skipWhitespace();
      if (at() == close) {
        pos++;
        depth--;
        return true;
      }
      while (true) {
        if (c == '{') {
          if (at() != '"' || readString() == null) {
            return false;
          }
          skipWhitespace();
          if (at() != ':') {
            return false;
          }
          pos++;
          skipWhitespace();
        }
        if (!skipValue()) {
          return false;
        }
        int after = afterElement(close);
        if (after != MORE) {
          return after == CLOSED;
        }
      }
    }
    if (c == '"') {
      return readString() != null;
    }
    int literal = text.startsWith("true", pos) || text.startsWith("null", pos) ? 4 : text.startsWith("false", pos) ? 5 : 0;
    if (literal > 0) {
      pos += literal;
      return true;
    }
    return skipNumber();
  }

  /** A number of strict JSON grammar, up to {@link FrameCodec#MAX_NUMBER_CHARS} characters. */
  private boolean skipNumber() {
    int from = pos;
    if (at() == '-') {
      pos++;
    }
    if (at() == '0') {
      pos++;
    } else if (at() >= '1' && at() <= '9') {
      while (at() >= '0' && at() <= '9') {
        pos++;
      }
    } else {
      return false;
    }
    if (at() == '.') {
      pos++;
      if (at() < '0' || at() > '9') {
        return false;
      }
      while (at() >= '0' && at() <= '9') {
        pos++;
      }
    }
    if (at() == 'e' || at() == 'E') {
      pos++;
      if (at() == '+' || at() == '-') {
        pos++;
      }
      if (at() < '0' || at() > '9') {
        return false;
      }
      while (at() >= '0' && at() <= '9') {
        pos++;
      }
    }
    return pos - from <= FrameCodec.MAX_NUMBER_CHARS;
  }
}
