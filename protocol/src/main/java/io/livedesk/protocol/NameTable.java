package io.livedesk.protocol;

import java.util.List;

/**
 * Names (of fields, of enum values) found from a range of the JSON text without cutting a String
 * out of it: most keys of a frame are looked up here, and a substring per key was garbage.
 */
final class NameTable {

  private final String[] names;
  private final int[] values;
  private final int mask;

  /** {@code names.get(i)} finds {@code values.get(i)}; a name given twice keeps its first value. */
  NameTable(List<String> names, List<Integer> values) {
    int size = Integer.highestOneBit(Math.max(4, names.size() * 3)) << 1;
    this.names = new String[size];
    this.values = new int[size];
    this.mask = size - 1;
    for (int n = 0; n < names.size(); n++) {
      String name = names.get(n);
      if (find(name, 0, name.length()) < 0) {
        int i = hash(name, 0, name.length()) & mask;
        while (this.names[i] != null) {
          i = (i + 1) & mask;
        }
        this.names[i] = name;
        this.values[i] = values.get(n);
      }
    }
  }

  /** The value of the name {@code text[from, to)}, or -1. */
  int find(String text, int from, int to) {
    int length = to - from;
    for (int i = hash(text, from, to) & mask; ; i = (i + 1) & mask) {
      String name = names[i];
      if (name == null) {
        return -1;
      }
      if (name.length() == length && text.regionMatches(from, name, 0, length)) {
        return values[i];
      }
    }
  }

  private static int hash(String text, int from, int to) {
    int h = 0;
    for (int i = from; i < to; i++) {
      h = 31 * h + text.charAt(i);
    }
    return h ^ (h >>> 16);
  }
}
