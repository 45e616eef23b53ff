package io.livedesk.protocol;

import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;

/**
 * The getters and setters protoc generated for the schema, bound once into lambdas. Protobuf's own
 * reflection ({@code getField}, {@code setField}) goes through java.lang.reflect and boxes every
 * number; a bound lambda is a plain interface call, so the JSON codec can be driven by the
 * descriptors and still cost what hand-written code would.
 */
final class GeneratedMethods {

  private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

  private GeneratedMethods() {
  }

  /**
   * {@code owner.name(params)} as an implementation of the functional interface {@code type}
   * (whose first parameter receives the message or builder), or null when protoc generated no such
   * method: the field is then left to JsonFormat.
   */
  static <T> T bind(Class<T> type, Class<?> owner, String name, Class<?>... params) {
    Method sam = Arrays.stream(type.getMethods()).filter(m -> Modifier.isAbstract(m.getModifiers()))
        .findFirst().orElseThrow();
    try {
      MethodHandle target = LOOKUP.unreflect(owner.getMethod(name, params));
      MethodType instantiated = sam.getReturnType() == void.class ? target.type().changeReturnType(void.class) : target.type();
      return type.cast(LambdaMetafactory.metafactory(LOOKUP, sam.getName(), MethodType.methodType(type),
          MethodType.methodType(sam.getReturnType(), sam.getParameterTypes()), target, instantiated).getTarget().invoke());
    } catch (NoSuchMethodException | IllegalAccessException e) {
      return null;
    } catch (Throwable e) {
      throw new IllegalStateException("cannot bind " + owner.getName() + "." + name, e);
    }
  }

  /** The name protoc gives a field in its accessors: {@code first_response_p50_ms} is {@code FirstResponseP50Ms}. */
  static String javaName(String protoName) {
    StringBuilder out = new StringBuilder(protoName.length());
    boolean capitalizeNext = true;
    for (int i = 0; i < protoName.length(); i++) {
      char c = protoName.charAt(i);
      if (c >= 'a' && c <= 'z') {
        out.append(capitalizeNext ? (char) (c - 'a' + 'A') : c);
        capitalizeNext = false;
      } else if (c >= 'A' && c <= 'Z') {
        out.append(c);
        capitalizeNext = false;
      } else if (c >= '0' && c <= '9') {
        out.append(c);
        capitalizeNext = true;
      } else {
        capitalizeNext = true;
      }
    }
    return out.toString();
  }

  /** A setter of a boolean field; the JDK has no ObjBooleanConsumer. */
  @FunctionalInterface
  interface BooleanSetter {
    void set(Object builder, boolean value);
  }
}
