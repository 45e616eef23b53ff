package io.livedesk.protocol;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.util.JsonFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The fast JSON writer and reader against protobuf's JsonFormat on random frames of every body
 * type (and so every message type a frame can hold): the same bytes out, the same frame (or the
 * same refusal) back in, and the fast paths really taken.
 */
class FrameJsonMatchesJsonFormatTest {

  private static final int FRAMES_PER_BODY = 400;
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  static Stream<FieldDescriptor> bodies() {
    return Frame.getDescriptor().getOneofs().get(0).getFields().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bodies")
  void randomFramesPrintAndParseAsJsonFormatDoes(FieldDescriptor body) throws Exception {
    RandomFrames frames = new RandomFrames(body.getNumber());
    for (int i = 0; i < FRAMES_PER_BODY; i++) {
      Frame frame = frames.frame(body);
      String expected = PRINTER.print(frame);
      String fast = JsonFrameWriter.write(frame);
      assertNotNull(fast, "the writer left a frame of the schema to JsonFormat");
      assertEquals(expected, fast, () -> "printing " + frame);
      assertEquals(expected, FrameCodec.toJson(frame));

      assertEquals(Outcome.of(() -> FrameCodec.slowFromJson(expected)), Outcome.of(() -> FrameCodec.fromJson(expected)),
          () -> "reading " + expected);
      if (!frames.needsSlowReader) {
        assertNotNull(JsonFrameReader.read(expected), () -> "the reader left to JsonFormat: " + expected);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bodies")
  void randomFramesAreReadBackAsJsonFormatReadsThemWithProtoNamesAndSpaces(FieldDescriptor body) throws Exception {
    RandomFrames frames = new RandomFrames(1000 + body.getNumber());
    JsonFormat.Printer spaced = JsonFormat.printer().preservingProtoFieldNames();
    for (int i = 0; i < FRAMES_PER_BODY / 4; i++) {
      Frame frame = frames.frame(body);
      String json = spaced.print(frame);
      Frame.Builder expected = Frame.newBuilder();
      Outcome slow = Outcome.of(() -> FrameCodec.slowFromJson(json));
      assertEquals(slow, Outcome.of(() -> FrameCodec.fromJson(json)), () -> "reading " + json);
      if (!frames.needsSlowReader) {
        JsonFormat.parser().ignoringUnknownFields().merge(json, expected);
        assertEquals(expected.build(), JsonFrameReader.read(json), () -> "reading " + json);
        assertFalse(slow.refused(), json);
      }
    }
  }
}
