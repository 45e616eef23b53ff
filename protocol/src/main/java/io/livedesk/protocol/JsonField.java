package io.livedesk.protocol;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ObjDoubleConsumer;
import java.util.function.ObjIntConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * One field of a message as the JSON codec sees it: its JSON key, how its values are written
 * (the proto3 JSON mapping of its type) and the generated accessors that get and set it.
 */
final class JsonField {

  /** The value shapes of the mapping; UNSUPPORTED ones (bytes, float, well-known types) are left to JsonFormat. */
  enum Kind { STRING, BOOL, INT32, UINT32, INT64, UINT64, DOUBLE, ENUM, MESSAGE, UNSUPPORTED }

  final FieldDescriptor descriptor;
  final Kind kind;
  final int number;
  final boolean repeated;
  final boolean map;
  /** {@code "jsonName":}, as JsonFormat writes it before the value. */
  final String key;
  /** Index of the (real) oneof the field belongs to in its message type, -1 for none, -2 when its case getter is missing. */
  final int oneof;
  /** The field's bit among its message's fields, for spotting a key given twice. */
  long bit;
  /** Bits of the fields that may not appear beside this one in an object: itself and its oneof siblings. */
  long conflicts;

  /** For MESSAGE fields. */
  final JsonMessageType messageType;
  /** For ENUM fields, and for map fields the enum of the value. */
  final JsonEnum enumType;
  /** For map fields: the shape of the values and the entry's key and value fields (maps are read back through reflection). */
  final Kind mapValueKind;
  final FieldDescriptor mapKey;
  final FieldDescriptor mapValue;

  // Getters on the message: a repeated field's list and strings and messages through object.
  Function<Object, Object> object;
  Predicate<Object> flag;
  ToIntFunction<Object> int32;
  ToLongFunction<Object> int64;
  ToDoubleFunction<Object> real;
  Predicate<Object> has;
  // Setters (adders for repeated fields) on the builder; builder gives a nested message's builder.
  BiConsumer<Object, Object> setString;
  GeneratedMethods.BooleanSetter setFlag;
  ObjIntConsumer<Object> setInt32;
  ObjLongConsumer<Object> setInt64;
  ObjDoubleConsumer<Object> setReal;
  Function<Object, Object> builder;

  /** Whether the writer can print it; when not, a frame holding it is printed by JsonFormat. */
  final boolean printable;
  /** Whether the reader can read it; when not, a frame naming it is read by JsonFormat. */
  final boolean readable;

  JsonField(FieldDescriptor field, int oneof, Message instance, Message.Builder builderInstance,
      Map<com.google.protobuf.Descriptors.Descriptor, JsonMessageType> known) {
    this.descriptor = field;
    this.number = field.getNumber();
    this.repeated = field.isRepeated();
    this.map = field.isMapField();
    this.key = '"' + field.getJsonName() + "\":";
    this.oneof = oneof;
    boolean syntheticOneof = field.getContainingOneof() != null && field.getRealContainingOneof() == null;
    Kind shape = syntheticOneof ? Kind.UNSUPPORTED : kindOf(field);
    if (map) {
      mapKey = field.getMessageType().findFieldByName("key");
      mapValue = field.getMessageType().findFieldByName("value");
      mapValueKind = kindOf(mapValue);
      // Printed through reflection on the entries; string keys and scalar values only (the schema's map<string, uint32>).
      shape = mapKey.getType() == FieldDescriptor.Type.STRING && mapValueKind != Kind.MESSAGE
          && mapValueKind != Kind.UNSUPPORTED ? Kind.MESSAGE : Kind.UNSUPPORTED;
      enumType = mapValueKind == Kind.ENUM ? new JsonEnum(mapValue.getEnumType()) : null;
      messageType = null;
    } else {
      mapKey = null;
      mapValue = null;
      mapValueKind = null;
      enumType = shape == Kind.ENUM ? new JsonEnum(field.getEnumType()) : null;
      messageType = shape == Kind.MESSAGE
          ? JsonMessageType.of((Message) builderInstance.newBuilderForField(field).getDefaultInstanceForType(), known)
          : null;
    }
    this.kind = shape;
    if (shape != Kind.UNSUPPORTED && !map) {
      bindAccessors(instance.getClass(), builderInstance.getClass(), GeneratedMethods.javaName(field.getName()));
    }
    this.printable = shape != Kind.UNSUPPORTED && oneof != -2 && (map || gettersBound());
    this.readable = shape != Kind.UNSUPPORTED && !map && settersBound();
  }

  private static Kind kindOf(FieldDescriptor field) {
    return switch (field.getType()) {
      case STRING -> Kind.STRING;
      case BOOL -> Kind.BOOL;
      case INT32, SINT32, SFIXED32 -> Kind.INT32;
      case UINT32, FIXED32 -> Kind.UINT32;
      case INT64, SINT64, SFIXED64 -> Kind.INT64;
      case UINT64, FIXED64 -> Kind.UINT64;
      case DOUBLE -> Kind.DOUBLE;
      case ENUM -> field.getEnumType().isClosed() ? Kind.UNSUPPORTED : Kind.ENUM;
      // Well-known types have their own JSON forms (Timestamp as text, Struct as any JSON...).
      case MESSAGE -> field.getMessageType().getFile().getPackage().equals("google.protobuf") ? Kind.UNSUPPORTED : Kind.MESSAGE;
      default -> Kind.UNSUPPORTED; // FLOAT, BYTES, GROUP: not in the schema
    };
  }

  @SuppressWarnings("unchecked")
  private void bindAccessors(Class<?> message, Class<?> builderClass, String name) {
    String value = kind == Kind.ENUM ? "Value" : "";
    Class<?> primitive = switch (kind) {
      case STRING -> String.class;
      case BOOL -> boolean.class;
      case INT32, UINT32, ENUM -> int.class;
      case INT64, UINT64 -> long.class;
      case DOUBLE -> double.class;
      default -> null;
    };
    if (repeated) {
      object = GeneratedMethods.bind(Function.class, message, "get" + name + value + "List");
    } else {
      switch (kind) {
        case STRING -> object = GeneratedMethods.bind(Function.class, message, "get" + name);
        case BOOL -> flag = GeneratedMethods.bind(Predicate.class, message, "get" + name);
        case INT32, UINT32, ENUM -> int32 = GeneratedMethods.bind(ToIntFunction.class, message, "get" + name + value);
        case INT64, UINT64 -> int64 = GeneratedMethods.bind(ToLongFunction.class, message, "get" + name);
        case DOUBLE -> real = GeneratedMethods.bind(ToDoubleFunction.class, message, "get" + name);
        case MESSAGE -> {
          object = GeneratedMethods.bind(Function.class, message, "get" + name);
          has = GeneratedMethods.bind(Predicate.class, message, "has" + name);
        }
        default -> {
        }
      }
    }
    String set = (repeated ? "add" : "set") + name + value;
    switch (kind) {
      case STRING -> setString = GeneratedMethods.bind(BiConsumer.class, builderClass, set, primitive);
      case BOOL -> setFlag = GeneratedMethods.bind(GeneratedMethods.BooleanSetter.class, builderClass, set, primitive);
      case INT32, UINT32, ENUM -> setInt32 = GeneratedMethods.bind(ObjIntConsumer.class, builderClass, set, primitive);
      case INT64, UINT64 -> setInt64 = GeneratedMethods.bind(ObjLongConsumer.class, builderClass, set, primitive);
      case DOUBLE -> setReal = GeneratedMethods.bind(ObjDoubleConsumer.class, builderClass, set, primitive);
      case MESSAGE -> builder = GeneratedMethods.bind(Function.class, builderClass, (repeated ? "add" : "get") + name + "Builder");
      default -> {
      }
    }
  }

  private boolean gettersBound() {
    if (repeated) {
      return object != null;
    }
    return switch (kind) {
      case STRING -> object != null;
      case BOOL -> flag != null;
      case INT32, UINT32, ENUM -> int32 != null;
      case INT64, UINT64 -> int64 != null;
      case DOUBLE -> real != null;
      case MESSAGE -> object != null && (has != null || oneof >= 0);
      default -> false;
    };
  }

  private boolean settersBound() {
    return switch (kind) {
      case STRING -> setString != null;
      case BOOL -> setFlag != null;
      case INT32, UINT32, ENUM -> setInt32 != null;
      case INT64, UINT64 -> setInt64 != null;
      case DOUBLE -> setReal != null;
      case MESSAGE -> builder != null && messageType != null;
      default -> false;
    };
  }
}
