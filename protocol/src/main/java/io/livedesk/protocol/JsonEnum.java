package io.livedesk.protocol;

import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** An enum's values as the proto3 JSON mapping writes them (quoted names) and reads them (names). */
final class JsonEnum {

  /** Known numbers, ascending; a number given to several names prints as the first declared, like JsonFormat. */
  private final int[] numbers;
  private final String[] quotedNames;
  private final int[] numberOfName;
  private final NameTable names;

  JsonEnum(EnumDescriptor type) {
    int[] sorted = type.getValues().stream().mapToInt(EnumValueDescriptor::getNumber).distinct().sorted().toArray();
    numbers = sorted;
    quotedNames = new String[sorted.length];
    for (int i = 0; i < sorted.length; i++) {
      quotedNames[i] = '"' + type.findValueByNumber(sorted[i]).getName() + '"';
    }
    List<String> nameList = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    numberOfName = new int[type.getValues().size()];
    for (EnumValueDescriptor value : type.getValues()) {
      numberOfName[positions.size()] = value.getNumber();
      positions.add(positions.size());
      nameList.add(value.getName());
    }
    names = new NameTable(nameList, positions);
  }

  /** {@code "NAME"} of a known number; null for a number the schema does not know (printed as a number). */
  String quotedName(int number) {
    int i = Arrays.binarySearch(numbers, number);
    return i >= 0 ? quotedNames[i] : null;
  }

  /** Whether {@code text[from, to)} names a value. */
  boolean isName(String text, int from, int to) {
    return names.find(text, from, to) >= 0;
  }

  /** The number of the value named {@code text[from, to)}; call only when {@link #isName} said so. */
  int numberOf(String text, int from, int to) {
    return numberOfName[names.find(text, from, to)];
  }
}
