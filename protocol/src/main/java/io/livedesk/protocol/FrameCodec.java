package io.livedesk.protocol;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

import java.nio.charset.StandardCharsets;

/**
 * The two encodings of a {@link Frame}: protobuf binary (mobile apps) and the proto3 JSON
 * mapping (browsers). Unknown fields are ignored in both, so old clients keep working when the
 * schema grows; a frame whose body is unknown decodes to {@code BODY_NOT_SET}.
 *
 * <p>JSON goes through fast paths driven by the descriptors ({@link JsonFrameWriter},
 * {@link JsonFrameReader}) that print and read exactly as protobuf's JsonFormat does; JsonFormat,
 * behind this class's checks, still prints what the writer cannot and reads (or refuses, with
 * its error) every text the reader does not fully understand.
 */
public final class FrameCodec {

  /** Deeper JSON than this is refused before parsing: the schema itself never nests past 6. */
  public static final int MAX_JSON_DEPTH = 32;
  /**
   * Longer numbers, or exponents beyond +-999, are refused: protobuf's JSON parser turns them
   * into BigDecimal arithmetic that can take seconds to hours ({@code "count":1e999999999}).
   */
  public static final int MAX_NUMBER_CHARS = 1000;

  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private FrameCodec() {
  }

  public static Frame fromJson(String text) throws FrameException {
    Frame frame = JsonFrameReader.read(text);
    return frame != null ? requireBody(frame) : slowFromJson(text);
  }

  /**
   * The checked path: every frame the fast reader does not fully understand, and the one that
   * says what is wrong with a bad frame.
   */
  static Frame slowFromJson(String text) throws FrameException {
    if (nestingDepth(text) > MAX_JSON_DEPTH) {
      throw new FrameException(ErrorCode.BAD_FRAME, "JSON nested deeper than " + MAX_JSON_DEPTH);
    }
    Frame.Builder builder = Frame.newBuilder();
    try {
      checkFields(JsonParser.parseString(text), Frame.getDescriptor());
      PARSER.merge(text, builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // The JSON parser reports wrong types and bad numbers as runtime exceptions too.
      throw new FrameException(ErrorCode.BAD_FRAME, "not a valid JSON frame: " + shorten(e.getMessage()));
    }
    return requireBody(builder.build());
  }

  public static Frame fromBinary(byte[] bytes) throws FrameException {
    try {
      return requireBody(Frame.parseFrom(bytes));
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new FrameException(ErrorCode.BAD_FRAME, "not a valid protobuf frame: " + shorten(e.getMessage()));
    }
  }

  public static String toJson(Frame frame) {
    String json = JsonFrameWriter.write(frame);
    return json != null ? json : slowToJson(frame);
  }

  /** JsonFormat's printing, which the fast writer matches byte for byte; it prints what that writer cannot. */
  static String slowToJson(Frame frame) {
    try {
      return PRINTER.print(frame);
    } catch (InvalidProtocolBufferException e) {
      // Only Any with unknown types fails to print; the schema has none.
      throw new IllegalStateException(e);
    }
  }

  public static byte[] toBinary(Frame frame) {
    return frame.toByteArray();
  }

  public static byte[] toJsonBytes(Frame frame) {
    return toJson(frame).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The id of a JSON frame that could not be decoded, found by a lenient scan, so that its error
   * can still say which frame it answers. Empty when none is found.
   */
  public static String idOf(String text) {
    java.util.regex.Matcher m = ID.matcher(text.length() > 4096 ? text.substring(0, 4096) : text);
    return m.find() ? m.group(1) : "";
  }

  private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("\"id\"\\s*:\\s*\"([^\"\\\\]{1,64})\"");

  private static Frame requireBody(Frame frame) throws FrameException {
    if (frame.getBodyCase() == Frame.BodyCase.BODY_NOT_SET) {
      throw new FrameException(ErrorCode.UNKNOWN_TYPE, "the frame has no known body (type)");
    }
    return frame;
  }

  /**
   * Walks the parsed tree (depth already bounded) beside the schema: numeric fields (given as
   * numbers or as strings, both allowed by the mapping) must not be too costly to convert, string
   * fields must be valid Unicode. Unknown keys are skipped: the parser ignores them.
   */
  private static void checkFields(JsonElement json, Descriptors.Descriptor type) throws FrameException {
    if (!json.isJsonObject()) {
      return; // the parser refuses it
    }
    for (var entry : json.getAsJsonObject().entrySet()) {
      Descriptors.FieldDescriptor field = field(type, entry.getKey());
      if (field != null) {
        checkValue(entry.getValue(), field, field.isRepeated());
      }
    }
  }

  private static void checkValue(JsonElement value, Descriptors.FieldDescriptor field, boolean repeated)
      throws FrameException {
    if (field.isMapField()) {
      if (value.isJsonObject()) {
        Descriptors.Descriptor entryType = field.getMessageType();
        for (var entry : value.getAsJsonObject().entrySet()) {
          checkScalar(entryType.findFieldByName("key"), entry.getKey());
          checkValue(entry.getValue(), entryType.findFieldByName("value"), false);
        }
      }
    } else if (repeated && value.isJsonArray()) {
      for (JsonElement item : value.getAsJsonArray()) {
        checkValue(item, field, false);
      }
    } else if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) {
      checkFields(value, field.getMessageType());
    } else if (value.isJsonPrimitive()) {
      checkScalar(field, value.getAsString());
    }
  }

  private static Descriptors.FieldDescriptor field(Descriptors.Descriptor type, String key) {
    Descriptors.FieldDescriptor field = type.findFieldByName(key);
    if (field == null) {
      for (Descriptors.FieldDescriptor f : type.getFields()) {
        if (f.getJsonName().equals(key)) {
          return f;
        }
      }
    }
    return field;
  }

  private static void checkScalar(Descriptors.FieldDescriptor field, String s) throws FrameException {
    switch (field.getJavaType()) {
      case STRING -> refuseUnpairedSurrogates(s);
      case INT, LONG, FLOAT, DOUBLE, ENUM -> refuseHugeNumber(s);
      default -> {
      }
    }
  }

  private static void refuseHugeNumber(String s) throws FrameException {
    int exponentAt = -1;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 'e' || c == 'E') {
        exponentAt = i;
      } else if ((c < '0' || c > '9') && c != '.' && c != '+' && c != '-') {
        return; // not a number
      }
    }
    boolean tooLong = s.length() > MAX_NUMBER_CHARS;
    if (!tooLong && exponentAt >= 0) {
      int digits = exponentAt + 1;
      while (digits < s.length() && (s.charAt(digits) == '+' || s.charAt(digits) == '-' || s.charAt(digits) == '0')) {
        digits++;
      }
      tooLong = s.length() - digits > 3;
    }
    if (tooLong) {
      throw new FrameException(ErrorCode.BAD_FRAME, "a number is longer than " + MAX_NUMBER_CHARS
          + " characters or has an exponent beyond +-999");
    }
  }

  /** A JSON escape like \\ud800 makes a string no UTF-8 can carry; protobuf strings must be valid UTF-8. */
  private static void refuseUnpairedSurrogates(String s) throws FrameException {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new FrameException(ErrorCode.BAD_FRAME, "a string holds an unpaired UTF-16 surrogate (not valid Unicode)");
      }
    }
  }

  /** Maximum nesting of objects and arrays, ignoring brackets inside strings. */
  static int nestingDepth(String text) {
    int depth = 0;
    int max = 0;
    boolean inString = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++depth > max) {
          max = depth;
          if (max > MAX_JSON_DEPTH) {
            return max;
          }
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return max;
  }

  /** At most 160 characters of a parser message, without unpaired surrogates (the input's, or from the cut). */
  private static String shorten(String message) {
    if (message == null) {
      return "unreadable";
    }
    StringBuilder out = new StringBuilder(Math.min(message.length(), 164));
    int i = 0;
    for (; i < message.length() && out.length() < 160; i++) {
      char c = message.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < message.length() && Character.isLowSurrogate(message.charAt(i + 1))) {
        out.append(c).append(message.charAt(++i));
      } else if (!Character.isSurrogate(c)) {
        out.append(c);
      }
    }
    return i < message.length() ? out.append("...").toString() : out.toString();
  }
}
