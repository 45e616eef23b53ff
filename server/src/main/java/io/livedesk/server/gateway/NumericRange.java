package io.livedesk.server.gateway;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

import java.util.List;
import java.util.Map;

/**
 * Every number a client sends means a count, a size, a sequence or a time, never below zero.
 * Java reads a uint32 above 2^31-1 (and a uint64 above 2^63-1) as negative, which handlers would
 * take for "none" or "no limit"; so any number that reads negative is refused here, naming the
 * field, before a handler sees it. Handlers still clamp what is large but in range.
 */
final class NumericRange {

  /** Deeper than any client message nests; a bound so a hostile frame cannot make the walk long. */
  private static final int MAX_DEPTH = 8;

  private NumericRange() {
  }

  /** The first field (dotted path) whose number is out of range, or null when all are in range. */
  static String outOfRange(Message message) {
    return walk(message, "", 0);
  }

  private static String walk(Message message, String prefix, int depth) {
    if (depth > MAX_DEPTH) {
      return prefix.isEmpty() ? "frame" : prefix;
    }
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      FieldDescriptor fd = field.getKey();
      String name = prefix + fd.getJsonName();
      List<?> values = fd.isRepeated() ? (List<?>) field.getValue() : List.of(field.getValue());
      for (Object value : values) {
        String bad = fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE
            ? walk((Message) value, name + ".", depth + 1)
            : negative(value) ? name : null;
        if (bad != null) {
          return bad;
        }
      }
    }
    return null;
  }

  private static boolean negative(Object value) {
    if (value instanceof Integer i) {
      return i < 0;
    }
    if (value instanceof Long l) {
      return l < 0;
    }
    if (value instanceof Float f) {
      return !(f >= 0) || f.isInfinite();
    }
    if (value instanceof Double d) {
      return !(d >= 0) || d.isInfinite();
    }
    return false;
  }
}
