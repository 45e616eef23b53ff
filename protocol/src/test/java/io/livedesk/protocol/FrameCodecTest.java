package io.livedesk.protocol;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One schema, two encodings: every frame type survives both, with every field set. */
class FrameCodecTest {

  static Stream<FieldDescriptor> bodies() {
    return Frame.getDescriptor().getOneofs().get(0).getFields().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bodies")
  void everyFrameTypeRoundTripsInJsonAndProtobuf(FieldDescriptor body) throws Exception {
    Frame.Builder builder = Frame.newBuilder().setId("f-1").setReplyTo("c-9");
    Message.Builder inner = builder.newBuilderForField(body);
    fill(inner, 0);
    Frame frame = builder.setField(body, inner.build()).build();

    assertEquals(frame, FrameCodec.fromJson(FrameCodec.toJson(frame)));
    assertEquals(frame, FrameCodec.fromBinary(FrameCodec.toBinary(frame)));
  }

  @Test
  void jsonUsesTheProtobufJsonMapping() throws Exception {
    Frame frame = FrameCodec.fromJson("{\"id\":\"1\",\"say\":{\"roomId\":\"r1\",\"text\":\"你好\"}}");
    assertEquals("r1", frame.getSay().getRoomId());
    assertEquals("{\"id\":\"1\",\"say\":{\"roomId\":\"r1\",\"text\":\"你好\"}}", FrameCodec.toJson(frame));
  }

  @Test
  void unknownFieldsInsideAKnownBodyAreIgnoredLikeInProtobuf() throws Exception {
    Frame frame = FrameCodec.fromJson("{\"ping\":{\"clientTime\":\"5\",\"futureField\":true}}");
    assertEquals(5, frame.getPing().getClientTime());
  }

  @Test
  void aFrameWithNoKnownBodyIsUnknownType() {
    FrameException e = assertThrows(FrameException.class, () -> FrameCodec.fromJson("{\"id\":\"1\",\"warp\":{}}"));
    assertEquals(ErrorCode.UNKNOWN_TYPE, e.code());
  }

  @Test
  void tooDeepJsonIsABadFrame() {
    String deep = "{\"ping\":" + "[".repeat(FrameCodec.MAX_JSON_DEPTH + 1) + "]".repeat(FrameCodec.MAX_JSON_DEPTH + 1) + "}";
    assertEquals(ErrorCode.BAD_FRAME, assertThrows(FrameException.class, () -> FrameCodec.fromJson(deep)).code());
  }

  @Test
  void bracketsInsideStringsDoNotCountAsNesting() throws Exception {
    String text = "[".repeat(100);
    Frame frame = FrameCodec.fromJson("{\"say\":{\"text\":\"" + text + "\"}}");
    assertEquals(text, frame.getSay().getText());
  }

  @Test
  void hugeNumbersAreABadFrame() {
    assertEquals(ErrorCode.BAD_FRAME, assertThrows(FrameException.class,
        () -> FrameCodec.fromJson("{\"ping\":{\"clientTime\":1e999}}")).code());
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "{\"viewerCount\":{\"count\":1e999999999}}",
      "{\"viewerCount\":{\"count\":\"1e999999999\"}}",
      "{\"viewerCount\":{\"count\":\"\\u0031e999999999\"}}",
      "{\"supervisorView\":{\"tiers\":[{\"met\":\"1E+0009999999\"}]}}"})
  void aNumberWithAHugeExponentIsABadFrameAtOnce(String json) {
    // Without the check protobuf computes 10^999999999 and the event loop hangs for hours.
    assertEquals(ErrorCode.BAD_FRAME, assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
        () -> assertThrows(FrameException.class, () -> FrameCodec.fromJson(json))).code());
  }

  @Test
  void aNumberLongerThanTheLimitIsABadFrame() {
    String json = "{\"ping\":{\"clientTime\":1" + "0".repeat(FrameCodec.MAX_NUMBER_CHARS) + "}}";
    assertEquals(ErrorCode.BAD_FRAME, assertThrows(FrameException.class, () -> FrameCodec.fromJson(json)).code());
  }

  @Test
  void aStringFieldThatLooksLikeANumberIsJustText() throws Exception {
    // A hex id like this one is also the number 8.68e7953; only numeric fields are numbers.
    assertEquals("86824256642e7943", FrameCodec.fromJson("{\"welcome\":{\"sessionId\":\"86824256642e7943\"}}")
        .getWelcome().getSessionId());
    String digits = "9".repeat(FrameCodec.MAX_NUMBER_CHARS * 2);
    assertEquals(digits, FrameCodec.fromJson("{\"say\":{\"text\":\"" + digits + "\"}}").getSay().getText());
  }

  @Test
  void anUnpairedSurrogateEscapeIsABadFrameLikeInvalidUtf8InProtobuf() {
    FrameException e = assertThrows(FrameException.class, () -> FrameCodec.fromJson("{\"id\":\"\\udc00\",\"ping\":{}}"));
    assertEquals(ErrorCode.BAD_FRAME, e.code());
  }

  @Test
  void anErrorMessageNeverCarriesAnUnpairedSurrogate() {
    FrameException e = assertThrows(FrameException.class,
        () -> FrameCodec.fromJson("{\"ping\":{\"clientTime\":\"\\ud800" + "\uD83D\uDE00".repeat(200) + "\"}}"));
    String message = e.getMessage();
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      boolean paired = Character.isHighSurrogate(c) ? i + 1 < message.length() && Character.isLowSurrogate(message.charAt(++i))
          : !Character.isLowSurrogate(c);
      assertTrue(paired, "unpaired surrogate at " + i + " in " + message);
    }
  }

  @Test
  void retryableCodesAreTheTwoThousands() {
    assertEquals(true, Errors.error(ErrorCode.RATE_LIMITED, "x").getRetryable());
    assertEquals(false, Errors.error(ErrorCode.FORBIDDEN, "x").getRetryable());
  }

  /** Sets every field to a value other than its default, nesting a few levels deep. */
  private static void fill(Message.Builder b, int depth) {
    for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
      if (f.getRealContainingOneof() != null && f.getIndex() != f.getRealContainingOneof().getField(0).getIndex()) {
        continue; // set only the first member of inner oneofs (Push content)
      }
      Object value = sample(b, f, depth);
      if (value == null) {
        continue;
      }
      if (f.isMapField()) {
        Message.Builder entry = b.newBuilderForField(f);
        entry.setField(entry.getDescriptorForType().findFieldByName("key"), "k");
        entry.setField(entry.getDescriptorForType().findFieldByName("value"), 3);
        b.addRepeatedField(f, entry.build());
      } else if (f.isRepeated()) {
        b.addRepeatedField(f, value);
        b.addRepeatedField(f, value);
      } else {
        b.setField(f, value);
      }
    }
  }

  private static Object sample(Message.Builder parent, FieldDescriptor f, int depth) {
    return switch (f.getJavaType()) {
      case STRING -> f.getName() + "-值";
      case INT -> 42;
      case LONG -> 1_732_000_000_123L;
      case BOOLEAN -> true;
      case DOUBLE -> 0.5;
      case FLOAT -> 0.25f;
      case BYTE_STRING -> com.google.protobuf.ByteString.copyFromUtf8("b");
      case ENUM -> f.getEnumType().getValues().get(f.getEnumType().getValues().size() - 1);
      case MESSAGE -> {
        if (f.isMapField()) {
          yield "map";
        }
        if (depth > 3) {
          yield null;
        }
        Message.Builder nested = parent.newBuilderForField(f);
        fill(nested, depth + 1);
        yield nested.build();
      }
    };
  }
}
