package io.livedesk.protocol;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Message;

import java.util.List;

/**
 * Prints a frame in the proto3 JSON mapping exactly as
 * {@code JsonFormat.printer().omittingInsignificantWhitespace()} does, byte for byte, without its
 * per-message field maps and its Gson call per string. Fields are read through the generated
 * getters ({@link JsonMessageType}); a frame holding a field this writer does not know how to print
 * is left to JsonFormat.
 */
final class JsonFrameWriter {

  /** Gson's escapes with HTML escaping on (JsonFormat's Gson is the default one) for ASCII; null: as is. */
  private static final String[] ESCAPES = new String[128];

  static {
    for (int c = 0; c < 0x20; c++) {
      ESCAPES[c] = String.format("\\u%04x", c);
    }
    ESCAPES['"'] = "\\\"";
    ESCAPES['\\'] = "\\\\";
    ESCAPES['\t'] = "\\t";
    ESCAPES['\b'] = "\\b";
    ESCAPES['\n'] = "\\n";
    ESCAPES['\r'] = "\\r";
    ESCAPES['\f'] = "\\f";
    ESCAPES['<'] = "\\u003c";
    ESCAPES['>'] = "\\u003e";
    ESCAPES['&'] = "\\u0026";
    ESCAPES['='] = "\\u003d";
    ESCAPES['\''] = "\\u0027";
  }

  /** A frame is printed into the event loop thread's buffer, then copied out once as the String. */
  private static final ThreadLocal<StringBuilder> BUFFER = ThreadLocal.withInitial(() -> new StringBuilder(1024));
  /** A buffer grown past this by one big frame (a history page) is not kept. */
  private static final int KEPT_BUFFER_CHARS = 64 * 1024;

  private JsonFrameWriter() {
  }

  /** The frame's JSON, or null when it holds something only JsonFormat prints. */
  static String write(Frame frame) {
    StringBuilder out = BUFFER.get();
    out.setLength(0);
    boolean written = writeMessage(out, JsonMessageType.FRAME, frame);
    String json = written ? out.toString() : null;
    if (out.capacity() > KEPT_BUFFER_CHARS) {
      BUFFER.remove();
    }
    return json;
  }

  private static boolean writeMessage(StringBuilder out, JsonMessageType type, Object message) {
    out.append('{');
    // Most types have one oneof at most (Frame.body, Push.content): its case is asked once.
    int firstCase = -1;
    boolean empty = true;
    for (JsonField field : type.fields) {
      boolean present;
      if (field.oneof >= 0) {
        if (field.oneof == 0) {
          if (firstCase < 0) {
            firstCase = type.oneofCase(message, 0);
          }
          present = firstCase == field.number;
        } else {
          present = type.oneofCase(message, field.oneof) == field.number;
        }
      } else {
        present = isPresent(field, message);
      }
      if (!present) {
        continue;
      }
      if (!field.printable) {
        return false;
      }
      if (!empty) {
        out.append(',');
      }
      empty = false;
      out.append(field.key);
      if (!writeValue(out, field, message)) {
        return false;
      }
    }
    out.append('}');
    return true;
  }

  /** JsonFormat prints what getAllFields holds: proto3 scalars that differ from their default (-0.0 does). */
  private static boolean isPresent(JsonField field, Object message) {
    if (field.map) {
      return ((Message) message).getRepeatedFieldCount(field.descriptor) > 0;
    }
    if (!field.printable) {
      // Asked through reflection only to know whether to give the frame to JsonFormat.
      Message m = (Message) message;
      return field.repeated ? m.getRepeatedFieldCount(field.descriptor) > 0 : m.hasField(field.descriptor);
    }
    if (field.repeated) {
      return !((List<?>) field.object.apply(message)).isEmpty();
    }
    return switch (field.kind) {
      case STRING -> !((String) field.object.apply(message)).isEmpty();
      case BOOL -> field.flag.test(message);
      case INT32, UINT32, ENUM -> field.int32.applyAsInt(message) != 0;
      case INT64, UINT64 -> field.int64.applyAsLong(message) != 0;
      case DOUBLE -> Double.doubleToLongBits(field.real.applyAsDouble(message)) != 0;
      case MESSAGE -> field.has.test(message);
      default -> true;
    };
  }

  private static boolean writeValue(StringBuilder out, JsonField field, Object message) {
    if (field.map) {
      return writeMap(out, field, (Message) message);
    }
    if (field.repeated) {
      out.append('[');
      List<?> items = (List<?>) field.object.apply(message);
      for (int i = 0; i < items.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        if (!writeBoxed(out, field.kind, field, items.get(i))) {
          return false;
        }
      }
      out.append(']');
      return true;
    }
    switch (field.kind) {
      case STRING -> writeString(out, (String) field.object.apply(message));
      case BOOL -> out.append(field.flag.test(message));
      case INT32 -> out.append(field.int32.applyAsInt(message));
      case UINT32 -> out.append(Integer.toUnsignedLong(field.int32.applyAsInt(message)));
      case INT64 -> out.append('"').append(field.int64.applyAsLong(message)).append('"');
      case UINT64 -> writeUnsignedLong(out, field.int64.applyAsLong(message));
      case DOUBLE -> writeDouble(out, field.real.applyAsDouble(message));
      case ENUM -> writeEnum(out, field.enumType, field.int32.applyAsInt(message));
      case MESSAGE -> {
        return writeMessage(out, field.messageType, field.object.apply(message));
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** An element of a repeated field or a map value, as the generated lists and map entries box it. */
  private static boolean writeBoxed(StringBuilder out, JsonField.Kind kind, JsonField field, Object value) {
    switch (kind) {
      case STRING -> writeString(out, (String) value);
      case BOOL -> out.append(((Boolean) value).booleanValue());
      case INT32 -> out.append(((Integer) value).intValue());
      case UINT32 -> out.append(Integer.toUnsignedLong((Integer) value));
      case INT64 -> out.append('"').append(((Long) value).longValue()).append('"');
      case UINT64 -> writeUnsignedLong(out, (Long) value);
      case DOUBLE -> writeDouble(out, (Double) value);
      // Lists of enums are read as numbers (getXxxValueList), map entries hold descriptors.
      case ENUM -> writeEnum(out, field.enumType,
          value instanceof EnumValueDescriptor d ? d.getNumber() : (Integer) value);
      case MESSAGE -> {
        return writeMessage(out, field.messageType, value);
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** Entries in the order getAllFields lists them, as JsonFormat does (it sorts keys only when asked to). */
  private static boolean writeMap(StringBuilder out, JsonField field, Message message) {
    out.append('{');
    List<?> entries = (List<?>) message.getField(field.descriptor);
    for (int i = 0; i < entries.size(); i++) {
      Message entry = (Message) entries.get(i);
      if (i > 0) {
        out.append(',');
      }
      writeString(out, (String) entry.getField(field.mapKey));
      out.append(':');
      if (!writeBoxed(out, field.mapValueKind, field, entry.getField(field.mapValue))) {
        return false;
      }
    }
    out.append('}');
    return true;
  }

  private static void writeUnsignedLong(StringBuilder out, long value) {
    out.append('"');
    if (value >= 0) {
      out.append(value);
    } else {
      out.append(Long.toUnsignedString(value));
    }
    out.append('"');
  }

  private static void writeDouble(StringBuilder out, double value) {
    if (Double.isNaN(value)) {
      out.append("\"NaN\"");
    } else if (Double.isInfinite(value)) {
      out.append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else {
      out.append(value); // Double.toString's digits, as JsonFormat prints them
    }
  }

  /** By name; a number the schema does not know (a newer client's) as the number. */
  private static void writeEnum(StringBuilder out, JsonEnum type, int number) {
    String name = type.quotedName(number);
    if (name != null) {
      out.append(name);
    } else {
      out.append(number);
    }
  }

  /** Gson's string escaping, which JsonFormat uses for every string. */
  static void writeString(StringBuilder out, String value) {
    out.append('"');
    int copied = 0;
    int length = value.length();
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      String escape;
      if (c < 128) {
        escape = ESCAPES[c];
        if (escape == null) {
          continue;
        }
      } else if (c == '\u2028') {
        escape = "\\u2028";
      } else if (c == '\u2029') {
        escape = "\\u2029";
      } else {
        continue;
      }
      out.append(value, copied, i).append(escape);
      copied = i + 1;
    }
    out.append(value, copied, length).append('"');
  }
}
