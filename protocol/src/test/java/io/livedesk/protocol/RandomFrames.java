package io.livedesk.protocol;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;

import java.util.Random;

/**
 * Random frames of any body, through protobuf reflection: random field subsets, strings with what
 * JSON and Gson escape, extreme numbers, unknown enum numbers. Remembers whether a frame holds
 * something the fast JSON reader leaves to JsonFormat, so tests can insist it took the rest.
 */
final class RandomFrames {

  private static final long[] LONGS = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE,
      Integer.MAX_VALUE, 0xFFFF_FFFFL, 1_732_000_000_123L, 9_007_199_254_740_993L};
  private static final int[] INTS = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFF_FFFF, 255, 65536};
  private static final double[] DOUBLES = {0.0, -0.0, 1.0, 0.5, -2.5, 100.0, 1e7, 1.0E-3, 1e-7, 1e21, 1e300,
      Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY, 0.1 + 0.2, 123456789.125};
  private static final String[] PIECES = {"a", "Z", "0", " ", "\"", "\\", "/", "<", ">", "&", "=", "'", "\n", "\r",
      "\t", "\b", "\f", "\u0000", "\u0001", "\u001f", "\u007f", "\u0080", "é", "你好", "\uD83D\uDE00", "\u2028",
      "\u2029", "\uFEFF", "\uFFFF", "{", "}", "[", "]", ":", ",", "null", "true", "1e999", "\\u00e9"};

  private final Random random;
  /** Whether the last frame made holds a map entry, an unpaired surrogate or a uint64 past Long.MAX_VALUE. */
  boolean needsSlowReader;

  RandomFrames(long seed) {
    random = new Random(seed);
  }

  /** A frame with the given body field set to a random message, id and reply_to sometimes. */
  Frame frame(FieldDescriptor body) {
    needsSlowReader = false;
    Frame.Builder frame = Frame.newBuilder();
    if (random.nextBoolean()) {
      frame.setId(string());
    }
    if (random.nextInt(4) == 0) {
      frame.setReplyTo(string());
    }
    Message.Builder inner = frame.newBuilderForField(body);
    fill(inner, 0);
    return frame.setField(body, inner.build()).build();
  }

  private void fill(Message.Builder builder, int depth) {
    for (OneofDescriptor oneof : builder.getDescriptorForType().getRealOneofs()) {
      if (random.nextBoolean()) {
        FieldDescriptor member = oneof.getField(random.nextInt(oneof.getFieldCount()));
        builder.setField(member, value(builder, member, depth));
      }
    }
    for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
      if (field.getRealContainingOneof() != null || random.nextInt(3) == 0) {
        continue;
      }
      if (field.isMapField()) {
        for (int i = random.nextInt(3); i > 0; i--) {
          Message.Builder entry = builder.newBuilderForField(field);
          FieldDescriptor key = entry.getDescriptorForType().findFieldByName("key");
          FieldDescriptor value = entry.getDescriptorForType().findFieldByName("value");
          entry.setField(key, string()).setField(value, value(entry, value, depth));
          builder.addRepeatedField(field, entry.build());
          needsSlowReader = true;
        }
      } else if (field.isRepeated()) {
        if (depth < 4) {
          for (int i = random.nextInt(4); i > 0; i--) {
            builder.addRepeatedField(field, value(builder, field, depth));
          }
        }
      } else if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || depth < 4) {
        builder.setField(field, value(builder, field, depth));
      }
    }
  }

  private Object value(Message.Builder parent, FieldDescriptor field, int depth) {
    switch (field.getType()) {
      case STRING:
        return string();
      case BOOL:
        return random.nextBoolean();
      case INT32: case SINT32: case SFIXED32: case UINT32: case FIXED32:
        return random.nextBoolean() ? INTS[random.nextInt(INTS.length)] : random.nextInt();
      case INT64: case SINT64: case SFIXED64:
        return random.nextBoolean() ? LONGS[random.nextInt(LONGS.length)] : random.nextLong();
      case UINT64: case FIXED64:
        long unsigned = random.nextBoolean() ? LONGS[random.nextInt(LONGS.length)] : random.nextLong();
        needsSlowReader |= unsigned < 0;
        return unsigned;
      case DOUBLE:
        return switch (random.nextInt(3)) {
          case 0 -> DOUBLES[random.nextInt(DOUBLES.length)];
          case 1 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
          default -> Double.longBitsToDouble(random.nextLong());
        };
      case ENUM:
        var values = field.getEnumType().getValues();
        return random.nextInt(5) > 0 ? values.get(random.nextInt(values.size()))
            : field.getEnumType().findValueByNumberCreatingIfUnknown(random.nextBoolean() ? 7777 : -3);
      case MESSAGE:
        Message.Builder nested = parent.newBuilderForField(field);
        fill(nested, depth + 1);
        return nested.build();
      default:
        throw new IllegalArgumentException("no random values for " + field.getType() + " (add them with the schema)");
    }
  }

  private String string() {
    int length = random.nextInt(4) == 0 ? 0 : random.nextInt(12);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      int pick = random.nextInt(PIECES.length + 8);
      if (pick < PIECES.length) {
        s.append(PIECES[pick]);
      } else if (pick == PIECES.length && random.nextInt(8) == 0) {
        s.append(random.nextBoolean() ? '\uD800' : '\uDC00'); // an unpaired surrogate: the checked path refuses it
        needsSlowReader = true;
      } else {
        s.append((char) (random.nextBoolean() ? ' ' + random.nextInt(95) : random.nextInt(0xD000)));
      }
    }
    return s.toString();
  }
}
