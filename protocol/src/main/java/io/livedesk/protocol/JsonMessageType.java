package io.livedesk.protocol;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Internal;
import com.google.protobuf.Message;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A message type's fields in the order JsonFormat prints them (by number), found by either of
 * the names the mapping accepts (json name, proto name). Built once per type from the descriptors.
 */
final class JsonMessageType {

  /** Every type reachable from a frame. */
  static final JsonMessageType FRAME = of(Frame.getDefaultInstance(), new HashMap<>());

  final Descriptor descriptor;
  /** By field number, the order of JsonFormat's output. */
  final JsonField[] fields;
  /** Index into {@link #fields} of each accepted key. */
  final NameTable names;
  /**
   * False when objects of this type cannot be checked by the reader's bit set (over 64 fields) or
   * when two fields share a key: JsonFormat then decides.
   */
  final boolean readable;
  /** The generated {@code getXxxCase()} of each real oneof, by oneof index. */
  private final List<Function<Object, Object>> oneofCases = new ArrayList<>();

  private JsonMessageType(Message instance, Map<Descriptor, JsonMessageType> known) {
    descriptor = instance.getDescriptorForType();
    known.put(descriptor, this); // before the fields: a type may contain itself
    List<OneofDescriptor> oneofs = descriptor.getRealOneofs();
    for (OneofDescriptor oneof : oneofs) {
      oneofCases.add(GeneratedMethods.bind(Function.class, instance.getClass(),
          "get" + GeneratedMethods.javaName(oneof.getName()) + "Case"));
    }
    List<FieldDescriptor> byNumber = new ArrayList<>(descriptor.getFields());
    byNumber.sort(Comparator.comparingInt(FieldDescriptor::getNumber));
    Message.Builder builder = instance.newBuilderForType();
    fields = new JsonField[byNumber.size()];
    List<String> keys = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < fields.length; i++) {
      FieldDescriptor field = byNumber.get(i);
      OneofDescriptor oneof = field.getRealContainingOneof();
      int oneofIndex = oneof == null || oneofCases.get(oneofs.indexOf(oneof)) == null ? -1 : oneofs.indexOf(oneof);
      fields[i] = new JsonField(field, oneof != null && oneofIndex < 0 ? -2 : oneofIndex, instance, builder, known);
      keys.add(field.getJsonName());
      positions.add(i);
      keys.add(field.getName());
      positions.add(i);
    }
    names = new NameTable(keys, positions);
    boolean keysDistinct = true;
    for (int i = 0; i < fields.length; i++) {
      keysDistinct &= names.find(keys.get(2 * i), 0, keys.get(2 * i).length()) == i
          && names.find(keys.get(2 * i + 1), 0, keys.get(2 * i + 1).length()) == i;
    }
    readable = fields.length <= 64 && keysDistinct;
    if (readable) {
      for (int i = 0; i < fields.length; i++) {
        fields[i].bit = 1L << i;
      }
      for (JsonField field : fields) {
        field.conflicts = field.bit;
        OneofDescriptor oneof = field.descriptor.getRealContainingOneof();
        for (JsonField other : fields) {
          if (oneof != null && other.descriptor.getRealContainingOneof() == oneof) {
            field.conflicts |= other.bit;
          }
        }
      }
    }
  }

  static JsonMessageType of(Message instance, Map<Descriptor, JsonMessageType> known) {
    JsonMessageType type = known.get(instance.getDescriptorForType());
    return type != null ? type : new JsonMessageType(instance, known);
  }

  /** The number of the field set in the message's {@code oneof}-th oneof, 0 when none is. */
  int oneofCase(Object message, int oneof) {
    return ((Internal.EnumLite) oneofCases.get(oneof).apply(message)).getNumber();
  }
}
