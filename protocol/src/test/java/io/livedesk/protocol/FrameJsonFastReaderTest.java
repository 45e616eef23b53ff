package io.livedesk.protocol;

import com.google.protobuf.util.JsonFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The fast JSON reader takes the forms of the mapping clients send, and gives everything it does
 * not fully understand to the checked path: whatever the text, FrameCodec.fromJson decides as
 * the checked path alone would (the same frame, or the same code and message).
 */
class FrameJsonFastReaderTest {

  /** Forms JsonFormat accepts that the fast reader must take itself, with the frame JsonFormat builds. */
  @ParameterizedTest
  @ValueSource(strings = {
      "{\"reply_to\":\"x\",\"send\":{\"conversation_id\":\"c\",\"client_msg_id\":\"m\",\"text\":\"hi\"}}",
      "{\"replyTo\":\"x\",\"send\":{\"conversationId\":\"c\",\"clientMsgId\":\"m\",\"text\":\"hi\"}}",
      "{\"ping\":{\"clientTime\":1732000000123}}",
      "{\"ping\":{\"client_time\":\"-9223372036854775808\"}}",
      "{\"ping\":{\"clientTime\":9223372036854775807}}",
      "{\"pong\":{\"clientTime\":-0,\"serverTime\":\"0\"}}",
      "{\"moderate\":{\"action\":3,\"durationSeconds\":4294967295}}",
      "{\"moderate\":{\"action\":\"BAN\",\"duration_seconds\":\"0\"}}",
      "{\"moderate\":{\"action\":7777}}",
      "{\"moderate\":{\"action\":-3}}",
      "{\"moderate\":{\"action\":0}}",
      " \n\t{ \"id\" : \"1\" ,\r\n \"ping\" : { } } \r\n",
      "{\"say\":{\"text\":\"caf\\u00e9 \\/ \\\"q\\\" \\\\ \\n\\t\\r\\b\\f \\ud83d\\ude00 \\u00E9 \\u0000\"}}",
      "{\"say\":{\"text\":\"raw é 你好 \uD83D\uDE00 \u2028 <>&='\"}}",
      "{\"welcome\":{\"roles\":[\"a\",\"b\"],\"tags\":[],\"limits\":{\"maxFrameBytes\":65536},\"serverTime\":\"5\"}}",
      "{\"welcome\":{\"roles\":[ \"a\" , \"\" ] , \"limits\":{}}}",
      "{\"roomJoined\":{\"history\":[{\"text\":\"a\",\"moderator\":true},{\"moderator\":false}],\"pinned\":{}}}",
      "{\"push\":{\"coupon\":{\"title\":{\"zh\":\"券\"},\"amountCents\":\"100\"},\"at\":1}}",
      "{\"push\":{\"prompt\":{}}}",
      "{\"supervisorView\":{\"tiers\":[{\"attainment\":0.5,\"firstResponseP50Ms\":\"NaN\",\"met\":\"18\"}]}}",
      "{\"supervisorView\":{\"tiers\":[{\"attainment\":-0,\"firstResponseP50Ms\":-0.0}]}}",
      "{\"supervisorView\":{\"tiers\":[{\"attainment\":-1e-400,\"firstResponseP50Ms\":1.7976931348623157E308}]}}",
      "{\"supervisorView\":{\"tiers\":[{\"attainment\":\"-Infinity\",\"firstResponseP50Ms\":\"Infinity\"}]}}",
      "{\"supervisorView\":{\"tiers\":[{\"attainment\":1E-7,\"firstResponseP50Ms\":12.50e+2}]}}",
      "{\"future\":{\"a\":[1,-2.5e3,true,false,null,{\"b\":[]},\"\\ud800\"],\"c\":{}},\"ping\":{},\"later\":0}",
      "{\"ok\":{}}",
      "{\"\\u0070ing\":{\"client\\u0054ime\":\"12\"}}",
      "{}",
      "{\"id\":\"1\",\"warp\":{}}"})
  void readsTheMappingsOtherFormsItself(String json) throws Exception {
    Frame.Builder expected = Frame.newBuilder();
    JsonFormat.parser().ignoringUnknownFields().merge(json, expected);
    assertEquals(expected.build(), JsonFrameReader.read(json));
    assertEquals(Outcome.of(() -> FrameCodec.slowFromJson(json)), Outcome.of(() -> FrameCodec.fromJson(json)));
  }

  static Stream<String> hostile() {
    String deep = "[".repeat(FrameCodec.MAX_JSON_DEPTH) + "]".repeat(FrameCodec.MAX_JSON_DEPTH);
    return Stream.of(
        // the existing limits
        "{\"ping\":" + "[".repeat(FrameCodec.MAX_JSON_DEPTH + 1) + "]".repeat(FrameCodec.MAX_JSON_DEPTH + 1) + "}",
        "{\"x\":" + deep + ",\"ping\":{}}",
        "{\"x\":[" + deep + "],\"ping\":{}}",
        "{\"ping\":{\"clientTime\":1e999}}",
        "{\"viewerCount\":{\"count\":1e999999999}}",
        "{\"viewerCount\":{\"count\":\"1e999999999\"}}",
        "{\"viewerCount\":{\"count\":\"\\u0031e999999999\"}}",
        "{\"supervisorView\":{\"tiers\":[{\"met\":\"1E+0009999999\"}]}}",
        "{\"supervisorView\":{\"tiers\":[{\"attainment\":1E+0999}]}}",
        "{\"supervisorView\":{\"tiers\":[{\"attainment\":1e309}]}}",
        "{\"ping\":{\"clientTime\":1" + "0".repeat(FrameCodec.MAX_NUMBER_CHARS) + "}}",
        "{\"x\":1" + "0".repeat(FrameCodec.MAX_NUMBER_CHARS) + ",\"ping\":{}}",
        "{\"id\":\"\\udc00\",\"ping\":{}}",
        "{\"id\":\"\\ud800x\",\"ping\":{}}",
        "{\"id\":\"\uD800\",\"ping\":{}}",
        "{\"welcome\":{\"roles\":[\"\\ud800\"]}}",
        "{\"ping\":{\"clientTime\":\"\\ud800" + "\uD83D\uDE00".repeat(200) + "\"}}",
        "{\"id\":\"1\",\"warp\":{}}",
        // duplicates and oneofs
        "{\"ping\":{},\"ping\":{}}",
        "{\"ping\":{\"clientTime\":1},\"ping\":{\"clientTime\":2}}",
        "{\"say\":{\"roomId\":\"a\",\"room_id\":\"b\"}}",
        "{\"id\":\"a\",\"id\":\"b\",\"ping\":{}}",
        "{\"ping\":{},\"pong\":{}}",
        "{\"push\":{\"coupon\":{},\"prompt\":{}}}",
        // wrong types
        "{\"say\":{\"text\":5}}",
        "{\"say\":{\"text\":true}}",
        "{\"say\":\"x\"}",
        "{\"say\":[]}",
        "{\"welcome\":{\"roles\":\"a\"}}",
        "{\"welcome\":{\"roles\":[1]}}",
        "{\"welcome\":{\"limits\":[]}}",
        "{\"ping\":{\"clientTime\":true}}",
        "{\"ping\":{\"clientTime\":\"abc\"}}",
        "{\"ping\":{\"clientTime\":{}}}",
        "{\"roomMessage\":{\"moderator\":\"true\"}}",
        "{\"roomMessage\":{\"moderator\":1}}",
        "{\"moderate\":{\"action\":\"NOPE\"}}",
        "{\"moderate\":{\"action\":\"3\"}}",
        "{\"moderate\":{\"action\":1.5}}",
        "{\"moderate\":{\"action\":2147483648}}",
        // number forms
        "{\"viewerCount\":{\"count\":4294967296}}",
        "{\"viewerCount\":{\"count\":-1}}",
        "{\"viewerCount\":{\"count\":1.0}}",
        "{\"viewerCount\":{\"count\":1e2}}",
        "{\"viewerCount\":{\"count\":\" 1\"}}",
        "{\"ping\":{\"clientTime\":9223372036854775808}}",
        "{\"ping\":{\"clientTime\":-9223372036854775809}}",
        "{\"ping\":{\"clientTime\":1.5}}",
        "{\"ping\":{\"clientTime\":007}}",
        "{\"ping\":{\"clientTime\":\"007\"}}",
        "{\"ping\":{\"clientTime\":\"+5\"}}",
        "{\"ping\":{\"clientTime\":-}}",
        "{\"ping\":{\"clientTime\":NaN}}",
        "{\"supervisorView\":{\"tiers\":[{\"met\":\"18446744073709551615\",\"breached\":-1}]}}",
        "{\"supervisorView\":{\"tiers\":[{\"attainment\":\"1.5\"}]}}",
        "{\"supervisorView\":{\"tiers\":[{\"attainment\":.5}]}}",
        "{\"supervisorView\":{\"tiers\":[{\"attainment\":NaN}]}}",
        "{\"supervisorView\":{\"viewersByRoom\":{\"r\":1,\"\\ud800\":2}}}",
        "{\"supervisorView\":{\"viewersByRoom\":{\"r\":1}}}",
        // nulls
        "{\"id\":null,\"ping\":{}}",
        "{\"ping\":null}",
        "{\"ping\":null,\"pong\":{}}",
        "{\"welcome\":{\"roles\":null}}",
        "{\"welcome\":{\"roles\":[null]}}",
        "{\"welcome\":{\"limits\":null}}",
        // not strict JSON, or not JSON
        "{ping:{}}",
        "{'ping':{}}",
        "{\"ping\":{}} // more",
        "{\"ping\":{}} x",
        "{\"ping\":{}}{}",
        "{\"ping\":{}},",
        "{\"ping\":{},}",
        "{\"welcome\":{\"roles\":[\"a\",]}}",
        "{\"say\":{\"text\":\"a\\'b\"}}",
        "{\"say\":{\"text\":\"a\\qb\"}}",
        "{\"say\":{\"text\":\"a\\u12\"}}",
        "{\"say\":{\"text\":\"a\\u12g4\"}}",
        "{\"say\":{\"text\":\"tab\there\"}}",
        "{\"say\":{\"text\":\"a\\\nb\"}}",
        "\uFEFF{\"ping\":{}}",
        "", " ", "[]", "null", "\"x\"", "5", "{", "}", "{\"ping\"", "{\"ping\":", "{\"ping\":{", "{\"ping\":{}",
        "{\"say\":{\"text\":\"unterminated}}");
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void hostileTextIsDecidedAsTheCheckedPathDecides(String json) {
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertEquals(
        Outcome.of(() -> FrameCodec.slowFromJson(json)), Outcome.of(() -> FrameCodec.fromJson(json)), json));
  }

  /** Every prefix, and thousands of one-character edits, of frames the fast reader takes whole. */
  @Test
  void truncatedAndMutatedFramesAreDecidedAsTheCheckedPathDecides() {
    List<String> seeds = List.of(
        "{\"id\":\"7\",\"send\":{\"conversationId\":\"c-1\",\"clientMsgId\":\"m-1\",\"text\":\"héllo \\\"x\\\" \\u00e9\"}}",
        "{\"welcome\":{\"roles\":[\"agent\"],\"serverTime\":\"1732000000123\",\"limits\":{\"maxFrameBytes\":65536}}}",
        "{\"supervisorView\":{\"tiers\":[{\"tier\":\"a\",\"met\":\"3\",\"attainment\":0.75}],\"at\":\"9\"}}",
        "{\"moderate\":{\"action\":\"BAN\",\"durationSeconds\":60},\"x\":[1,{\"y\":null}]}");
    String alphabet = "{}[]\",:\\/0123456789-+.eE tfnu\"\u00e9\uD800x";
    Random random = new Random(42);
    List<String> texts = new ArrayList<>();
    for (String seed : seeds) {
      assertNotNull(JsonFrameReader.read(seed), seed);
      for (int i = 0; i <= seed.length(); i++) {
        texts.add(seed.substring(0, i));
      }
      for (int n = 0; n < 1500; n++) {
        int at = random.nextInt(seed.length());
        char c = alphabet.charAt(random.nextInt(alphabet.length()));
        texts.add(switch (random.nextInt(3)) {
          case 0 -> seed.substring(0, at) + c + seed.substring(at + 1);
          case 1 -> seed.substring(0, at) + c + seed.substring(at);
          default -> seed.substring(0, at) + seed.substring(at + 1);
        });
      }
    }
    for (String json : texts) {
      assertEquals(Outcome.of(() -> FrameCodec.slowFromJson(json)), Outcome.of(() -> FrameCodec.fromJson(json)), json);
    }
  }
}
