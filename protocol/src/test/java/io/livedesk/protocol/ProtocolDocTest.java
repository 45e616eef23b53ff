package io.livedesk.protocol;

import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors.FieldDescriptor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PROTOCOL.md cannot drift from the schema: its JSON examples are real frames, and every type has one. */
class ProtocolDocTest {

  private static final Pattern JSON_BLOCK = Pattern.compile("```json\\n(.*?)\\n```", Pattern.DOTALL);

  static List<String> examples() throws IOException {
    String doc = Files.readString(Path.of("PROTOCOL.md"));
    List<String> out = new ArrayList<>();
    Matcher m = JSON_BLOCK.matcher(doc);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void everyJsonExampleIsExactlyWhatTheCodecPrints() throws Exception {
    for (String example : examples()) {
      Frame frame = FrameCodec.fromJson(example);
      assertEquals(JsonParser.parseString(example), JsonParser.parseString(FrameCodec.toJson(frame)),
          "the example is not in canonical proto3 JSON form: " + example);
    }
  }

  @Test
  void everyFrameTypeHasAnExample() throws Exception {
    Set<String> shown = new TreeSet<>();
    for (String example : examples()) {
      shown.add(FrameCodec.fromJson(example).getBodyCase().name());
    }
    Set<String> missing = new TreeSet<>();
    for (FieldDescriptor body : Frame.getDescriptor().getOneofs().get(0).getFields()) {
      if (!shown.contains(body.getName().toUpperCase())) {
        missing.add(body.getJsonName());
      }
    }
    assertTrue(missing.isEmpty(), "PROTOCOL.md has no example of " + missing);
  }
}
