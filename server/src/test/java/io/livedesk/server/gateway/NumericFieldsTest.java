package io.livedesk.server.gateway;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.JoinRoom;
import io.livedesk.protocol.Ping;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every numeric field of every frame a client can send, walked from the schema, at its edges:
 * the answer is never INTERNAL, the connection stays up, and a number Java would read as
 * negative (a uint32 above 2^31-1) is refused with INVALID_ARGUMENT.
 */
class NumericFieldsTest {

  private static final List<String> ALL_ROLES = List.of("viewer", "customer", "agent", "moderator", "supervisor", "admin");
  private static final TestNodes nodes = new TestNodes();
  private static Node node;

  /** A path from a frame body down to one numeric field, through nested and repeated messages. */
  private record NumericField(List<FieldDescriptor> path) {
    String name() {
      return String.join(".", path.stream().map(FieldDescriptor::getJsonName).toList());
    }

    FieldDescriptor leaf() {
      return path.get(path.size() - 1);
    }
  }

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("gateway.framesPerSecond", 100_000, "gateway.frameBurst", 100_000,
        "gateway.userFramesPerSecond", 100_000, "gateway.userFrameBurst", 100_000, "gateway.maxBadFrames", 100_000));
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @Test
  void roomHistoryWithALimitOf2To32Minus1IsInvalidArgument() {
    try (WsClient ws = WsClient.connect(node.port(), Tokens.of("json-1", "viewer"))) {
      ws.request(Frame.newBuilder().setJoinRoom(JoinRoom.newBuilder().setRoomId("t1")));
      ws.sendText("{\"id\":\"h1\",\"roomHistory\":{\"roomId\":\"t1\",\"limit\":4294967295}}");
      assertEquals(ErrorCode.INVALID_ARGUMENT, ws.reply("h1").getError().getCode());
      ws.sendText("{\"id\":\"h2\",\"history\":{\"conversationId\":\"c1\",\"limit\":4294967295}}");
      assertEquals(ErrorCode.INVALID_ARGUMENT, ws.reply("h2").getError().getCode());
    }
  }

  @Test
  void everyNumericFieldOfEveryClientFrameAtItsEdgesIsNeverInternal() {
    List<String> failures = new ArrayList<>();
    int sent = 0;
    try (WsClient ws = WsClient.to(node.port()).bearer(Tokens.of("edges", ALL_ROLES.toArray(String[]::new))).protobuf().open()) {
      ws.await(Frame::hasWelcome);
      ws.request(Frame.newBuilder().setJoinRoom(JoinRoom.newBuilder().setRoomId("t1")));
      for (FieldDescriptor body : Frame.getDescriptor().getOneofs().get(0).getFields()) {
        if (body.getJavaType() != FieldDescriptor.JavaType.MESSAGE || body.getName().equals("hello")) {
          continue;
        }
        for (NumericField field : numericFields(body.getMessageType(), new ArrayList<>(List.of(body)), 0)) {
          for (Object edge : edges(field.leaf())) {
            Frame.Builder frame = Frame.newBuilder();
            set(frame, field.path(), 0, edge);
            Frame reply = ws.request(frame);
            sent++;
            boolean negative = edge instanceof Integer i ? i < 0 : (Long) edge < 0;
            if (reply.hasError() && reply.getError().getCode() == ErrorCode.INTERNAL) {
              failures.add(field.name() + "=" + edge + " answered INTERNAL");
            } else if (negative && !(reply.hasError() && reply.getError().getCode() == ErrorCode.INVALID_ARGUMENT)
                && !(reply.hasError() && reply.getError().getCode() == ErrorCode.UNKNOWN_TYPE)) {
              failures.add(field.name() + "=" + edge + " (unsigned " + unsigned(edge) + ") answered " + reply);
            }
          }
        }
      }
      assertTrue(ws.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(1))).hasPong());
      assertFalse(ws.isClosed());
    }
    assertTrue(sent > 40, "walked only " + sent + " frames");
    assertEquals(List.of(), failures);
  }

  private static String unsigned(Object edge) {
    return edge instanceof Integer i ? Integer.toUnsignedString(i) : Long.toUnsignedString((Long) edge);
  }

  private static List<NumericField> numericFields(Descriptor type, List<FieldDescriptor> prefix, int depth) {
    List<NumericField> out = new ArrayList<>();
    for (FieldDescriptor fd : type.getFields()) {
      List<FieldDescriptor> path = new ArrayList<>(prefix);
      path.add(fd);
      switch (fd.getJavaType()) {
        case INT, LONG -> out.add(new NumericField(path));
        case MESSAGE -> {
          if (depth < 3) {
            out.addAll(numericFields(fd.getMessageType(), path, depth + 1));
          }
        }
        default -> {
        }
      }
    }
    return out;
  }

  private static List<Object> edges(FieldDescriptor fd) {
    return fd.getJavaType() == FieldDescriptor.JavaType.INT
        ? List.of(0, 1, Integer.MAX_VALUE, -1, Integer.MIN_VALUE)
        : List.of(0L, 1L, Long.MAX_VALUE, -1L, Long.MIN_VALUE);
  }

  /** Sets the numeric leaf of the path, filling every string on the way so handlers look further. */
  private static void set(Message.Builder builder, List<FieldDescriptor> path, int at, Object value) {
    FieldDescriptor fd = path.get(at);
    if (at == path.size() - 1) {
      put(builder, fd, value);
      return;
    }
    Message.Builder child = builder.newBuilderForField(fd);
    for (FieldDescriptor f : fd.getMessageType().getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.STRING) {
        put(child, f, "t1");
      }
    }
    set(child, path, at + 1, value);
    put(builder, fd, child.build());
  }

  private static void put(Message.Builder builder, FieldDescriptor fd, Object value) {
    if (fd.isRepeated()) {
      builder.addRepeatedField(fd, value);
    } else {
      builder.setField(fd, value);
    }
  }
}
