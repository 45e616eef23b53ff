package io.livedesk.server.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameCodec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Fuzz inputs for the gateway, all drawn from one {@link Random} so a seed reproduces them:
 * valid frames of every type with random field values, and JSON and protobuf mutations of them
 * (truncation, edits, wrong types, huge numbers, unknown fields, deep nesting, bad escapes,
 * invalid wire data, random bytes).
 */
final class Mutations {

  static final List<FieldDescriptor> BODIES = Frame.getDescriptor().getOneofs().get(0).getFields();

  private static final String[] SCALARS = {"true", "false", "null", "[]", "{}", "\"\"", "\"x\"", "0", "-1", "1.5",
      "1e400", "-1e400", "1e-400", "18446744073709551616", "-9223372036854775809", "99999999999999999999999999999",
      "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"\\ud800\"", "\"\\u0000\"", "0x10", "01", "-", "\"9223372036854775808\"",
      "\"UNKNOWN_ENUM_NAME\"", "999999", "4294967295", "4294967296", "2147483648", "-2147483649", "[1,2,3]", "{\"a\":1}", "\"\\x\"", "\"\\u12\""};
  private static final String JSON_CHARS = "{}[]\":,\\0123456789eE+-.tfnul \t\n";
  private static final String[] TEXT_PIECES = {"a", "Z", "7", " ", "你好", "优惠券", "é", "\uD83D\uDE00", "\"", "\\", "\n", "\u0000",
      "\u200B", "<script>", "%s", "${x}", "'", "}", "]"};

  private final Random random;
  private int ids;

  Mutations(Random random) {
    this.random = random;
  }

  /** A valid frame: a random body type, each field set or not, random values, nested a few levels. */
  Frame validFrame() {
    Frame.Builder frame = Frame.newBuilder();
    if (random.nextInt(10) > 0) {
      frame.setId("f" + (++ids));
    }
    if (random.nextInt(20) == 0) {
      frame.setReplyTo(text());
    }
    FieldDescriptor body = BODIES.get(random.nextInt(BODIES.size()));
    Message.Builder inner = frame.newBuilderForField(body);
    fill(inner, 0);
    return frame.setField(body, inner.build()).build();
  }

  /** A JSON text: valid, or one of many kinds of broken. */
  String json() {
    String valid = FrameCodec.toJson(validFrame());
    return switch (random.nextInt(14)) {
      case 0, 1 -> valid;
      case 2 -> valid.substring(0, random.nextInt(valid.length() + 1));
      case 3 -> editChars(valid);
      case 4 -> replaceValue(valid);
      case 5 -> insertUnknownField(valid);
      case 6 -> deepNesting();
      case 7 -> wrongBodyType();
      case 8 -> twoBodies(valid);
      case 9 -> "{\"id\":\"e" + random.nextInt(100) + "\",\"" + bodyName() + "\":{\"" + fieldName() + "\":\"" + badEscape() + "\"}}";
      case 10 -> garbage();
      case 11 -> randomJson(0);
      case 12 -> "{\"" + bodyName() + "\":" + randomJson(0) + "}";
      default -> replaceValue(insertUnknownField(valid));
    };
  }

  /** Protobuf bytes: valid, or one of many kinds of broken. */
  byte[] binary() {
    byte[] valid = FrameCodec.toBinary(validFrame());
    return switch (random.nextInt(13)) {
      case 0, 1 -> valid;
      case 2 -> java.util.Arrays.copyOf(valid, random.nextInt(valid.length + 1));
      case 3 -> flipBits(valid);
      case 4 -> randomBytes(random.nextInt(200));
      case 5 -> concat(varint(tag(10 + random.nextInt(92), 2)), varint(Integer.MAX_VALUE - random.nextInt(1000)), randomBytes(8));
      case 6 -> deepGroups();
      case 7 -> concat(valid, unknownFields());
      case 8 -> concat(varint(tag(BODIES.get(random.nextInt(BODIES.size())).getNumber(), random.nextInt(6))), randomBytes(random.nextInt(12)));
      case 9 -> concat(valid, FrameCodec.toBinary(validFrame()));
      case 10 -> invalidUtf8String();
      case 11 -> concat(new byte[] {0x72}, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
          (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
      default -> insertBytes(valid);
    };
  }

  /** A text frame's bytes that are not valid UTF-8 (the gateway closes with 1007). */
  byte[] invalidUtf8() {
    byte[] bad = {(byte) 0xc3, (byte) 0x28, (byte) 0xa0, (byte) 0xed, (byte) 0xa0, (byte) 0x80, (byte) 0xf8, (byte) 0xff};
    byte[] valid = FrameCodec.toJsonBytes(validFrame());
    int at = random.nextInt(valid.length + 1);
    byte[] out = new byte[valid.length + 1];
    System.arraycopy(valid, 0, out, 0, at);
    out[at] = bad[random.nextInt(bad.length)];
    System.arraycopy(valid, at, out, at + 1, valid.length - at);
    return out;
  }

  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  boolean chance(double p) {
    return random.nextDouble() < p;
  }

  // ------------------------------------------------------------------ valid frames

  private void fill(Message.Builder b, int depth) {
    for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
      if (random.nextInt(3) == 0) {
        continue;
      }
      if (f.getRealContainingOneof() != null && b.hasOneof(f.getRealContainingOneof())) {
        continue;
      }
      if (f.isMapField()) {
        for (int i = random.nextInt(3); i > 0; i--) {
          Message.Builder entry = b.newBuilderForField(f);
          entry.setField(entry.getDescriptorForType().findFieldByName("key"), text());
          entry.setField(entry.getDescriptorForType().findFieldByName("value"), anInt());
          b.addRepeatedField(f, entry.build());
        }
      } else if (f.isRepeated()) {
        for (int i = random.nextInt(4); i > 0; i--) {
          Object v = value(b, f, depth);
          if (v != null) {
            b.addRepeatedField(f, v);
          }
        }
      } else {
        Object v = value(b, f, depth);
        if (v != null) {
          b.setField(f, v);
        }
      }
    }
  }

  private Object value(Message.Builder parent, FieldDescriptor f, int depth) {
    return switch (f.getJavaType()) {
      case STRING -> text();
      case INT -> anInt();
      case LONG -> aLong();
      case BOOLEAN -> random.nextBoolean();
      case DOUBLE -> random.nextInt(10) == 0 ? Double.NaN : random.nextGaussian() * 1e6;
      case FLOAT -> (float) random.nextGaussian();
      case BYTE_STRING -> ByteString.copyFrom(randomBytes(random.nextInt(8)));
      case ENUM -> {
        List<EnumValueDescriptor> values = f.getEnumType().getValues();
        yield values.get(random.nextInt(values.size()));
      }
      case MESSAGE -> {
        if (depth > 3) {
          yield null;
        }
        Message.Builder nested = parent.newBuilderForField(f);
        fill(nested, depth + 1);
        yield nested.build();
      }
    };
  }

  private String text() {
    StringBuilder s = new StringBuilder();
    int n = random.nextInt(10) == 0 ? random.nextInt(400) : random.nextInt(12);
    for (int i = 0; i < n; i++) {
      s.append(TEXT_PIECES[random.nextInt(TEXT_PIECES.length)]);
    }
    return s.toString();
  }

  private int anInt() {
    return switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> -1;
      case 2 -> Integer.MAX_VALUE;
      case 3 -> Integer.MIN_VALUE;
      default -> random.nextInt(1000);
    };
  }

  private long aLong() {
    return switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> -1;
      case 2 -> Long.MAX_VALUE;
      case 3 -> Long.MIN_VALUE;
      default -> System.currentTimeMillis() + random.nextInt(100_000);
    };
  }

  // ------------------------------------------------------------------ JSON mutations

  private String bodyName() {
    FieldDescriptor body = BODIES.get(random.nextInt(BODIES.size()));
    return random.nextBoolean() ? body.getJsonName() : body.getName();
  }

  private String fieldName() {
    FieldDescriptor body = BODIES.get(random.nextInt(BODIES.size()));
    List<FieldDescriptor> fields = body.getMessageType().getFields();
    return fields.isEmpty() ? "x" : fields.get(random.nextInt(fields.size())).getJsonName();
  }

  private String editChars(String s) {
    StringBuilder b = new StringBuilder(s);
    for (int i = 1 + random.nextInt(5); i > 0; i--) {
      int at = b.isEmpty() ? 0 : random.nextInt(b.length());
      char c = random.nextInt(4) == 0 ? (char) random.nextInt(0x3000) : JSON_CHARS.charAt(random.nextInt(JSON_CHARS.length()));
      switch (random.nextInt(3)) {
        case 0 -> b.insert(at, c);
        case 1 -> {
          if (!b.isEmpty()) {
            b.deleteCharAt(at);
          }
        }
        default -> {
          if (!b.isEmpty()) {
            b.setCharAt(at, c);
          }
        }
      }
    }
    return b.toString();
  }

  /** Replaces the scalar value after a random {@code ":"} with a scalar of another type or range. */
  private String replaceValue(String s) {
    int colon = -1;
    for (int tries = 0; tries < 5 && colon < 0; tries++) {
      int from = random.nextInt(s.length());
      colon = s.indexOf("\":", from);
    }
    if (colon < 0) {
      return s;
    }
    int start = colon + 2;
    int end = start;
    if (end < s.length() && s.charAt(end) == '"') {
      end++;
      while (end < s.length() && s.charAt(end) != '"') {
        end += s.charAt(end) == '\\' ? 2 : 1;
      }
      end = Math.min(end + 1, s.length());
    } else if (end < s.length() && (s.charAt(end) == '{' || s.charAt(end) == '[')) {
      end = start; // an object or array: put the scalar in front, making the text invalid or typed wrong
    } else {
      while (end < s.length() && ",}]".indexOf(s.charAt(end)) < 0) {
        end++;
      }
    }
    return s.substring(0, start) + SCALARS[random.nextInt(SCALARS.length)] + s.substring(end);
  }

  private String insertUnknownField(String s) {
    int brace = s.indexOf('{', random.nextInt(s.length()));
    if (brace < 0) {
      brace = 0;
    }
    String field = "\"zz" + random.nextInt(1000) + "\":" + randomJson(2) + (s.charAt(brace + 1) == '}' ? "" : ",");
    return s.substring(0, brace + 1) + field + s.substring(brace + 1);
  }

  private String deepNesting() {
    int depth = switch (random.nextInt(6)) {
      case 0 -> FrameCodec.MAX_JSON_DEPTH - 1;
      case 1 -> FrameCodec.MAX_JSON_DEPTH;
      case 2 -> FrameCodec.MAX_JSON_DEPTH + 1;
      case 3 -> 100 + random.nextInt(1000);
      default -> random.nextInt(60);
    };
    String body = bodyName();
    return switch (random.nextInt(4)) {
      case 0 -> "{\"" + body + "\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
      case 1 -> "{\"" + body + "\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}";
      case 2 -> "[".repeat(depth);
      default -> "{\"" + body + "\":{\"" + fieldName() + "\":" + "[".repeat(depth) + "\"]\"" + "]".repeat(depth) + "}}";
    };
  }

  private String wrongBodyType() {
    return "{\"id\":\"w\",\"" + bodyName() + "\":" + SCALARS[random.nextInt(SCALARS.length)] + "}";
  }

  private String twoBodies(String valid) {
    return random.nextBoolean()
        ? "{\"" + bodyName() + "\":{},\"" + bodyName() + "\":{}}"
        : "{\"id\":\"1\",\"id\":\"2\"," + valid.substring(1);
  }

  private String badEscape() {
    String[] escapes = {"\\x41", "\\u12", "\\ud800", "\\udc00\\ud800", "\\u0000", "\\", "\\uZZZZ", "\\\u0001"};
    return escapes[random.nextInt(escapes.length)];
  }

  private String garbage() {
    return switch (random.nextInt(6)) {
      case 0 -> "";
      case 1 -> " \t\n ";
      case 2 -> new String(randomBytes(random.nextInt(100)), StandardCharsets.ISO_8859_1);
      case 3 -> String.valueOf(random.nextLong());
      case 4 -> "\"" + text() + "\"";
      default -> "null";
    };
  }

  /** A random JSON value whose keys are often real field names. */
  private String randomJson(int depth) {
    int kind = depth > 4 ? 0 : random.nextInt(4);
    if (kind == 0) {
      return SCALARS[random.nextInt(SCALARS.length)];
    }
    if (kind == 1) {
      StringBuilder b = new StringBuilder("[");
      for (int i = random.nextInt(4); i > 0; i--) {
        b.append(randomJson(depth + 1)).append(i > 1 ? "," : "");
      }
      return b.append(']').toString();
    }
    StringBuilder b = new StringBuilder("{");
    for (int i = random.nextInt(4); i > 0; i--) {
      String key = random.nextBoolean() ? fieldName() : random.nextBoolean() ? bodyName() : "k" + random.nextInt(9);
      b.append('"').append(key).append("\":").append(randomJson(depth + 1)).append(i > 1 ? "," : "");
    }
    return b.append('}').toString();
  }

  // ------------------------------------------------------------------ protobuf mutations

  private byte[] flipBits(byte[] valid) {
    byte[] out = valid.clone();
    if (out.length == 0) {
      return randomBytes(4);
    }
    for (int i = 1 + random.nextInt(8); i > 0; i--) {
      out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
    }
    return out;
  }

  private byte[] insertBytes(byte[] valid) {
    int at = random.nextInt(valid.length + 1);
    byte[] extra = random.nextBoolean() ? varint(random.nextLong()) : randomBytes(1 + random.nextInt(6));
    return concat(java.util.Arrays.copyOf(valid, at), extra, java.util.Arrays.copyOfRange(valid, at, valid.length));
  }

  /** Nested start-group tags: protobuf refuses past its recursion limit. */
  private byte[] deepGroups() {
    int depth = random.nextBoolean() ? 90 + random.nextInt(20) : 1000 + random.nextInt(10_000);
    byte[] out = new byte[depth];
    java.util.Arrays.fill(out, (byte) 0x0b);
    return out;
  }

  private byte[] unknownFields() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 1 + random.nextInt(4); i > 0; i--) {
      int wire = new int[] {0, 1, 2, 5}[random.nextInt(4)];
      out.writeBytes(varint(tag(200 + random.nextInt(100_000), wire)));
      switch (wire) {
        case 0 -> out.writeBytes(varint(random.nextLong()));
        case 1 -> out.writeBytes(randomBytes(8));
        case 2 -> {
          byte[] payload = randomBytes(random.nextInt(20));
          out.writeBytes(varint(payload.length));
          out.writeBytes(payload);
        }
        default -> out.writeBytes(randomBytes(4));
      }
    }
    return out.toByteArray();
  }

  /** A hello whose token is not valid UTF-8: proto3 strings must be. */
  private byte[] invalidUtf8String() {
    byte[] token = {'t', (byte) 0xc3, (byte) 0x28, (byte) 0xff};
    byte[] hello = concat(new byte[] {0x0a, (byte) token.length}, token);
    return concat(new byte[] {0x52, (byte) hello.length}, hello);
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static long tag(int field, int wire) {
    return ((long) field << 3) | wire;
  }

  private static byte[] varint(long v) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
