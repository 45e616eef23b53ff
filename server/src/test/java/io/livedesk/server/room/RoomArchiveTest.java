package io.livedesk.server.room;

import com.mongodb.client.model.Filters;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Moderate;
import io.livedesk.protocol.ModerationAction;
import io.livedesk.protocol.RoomHistory;
import io.livedesk.protocol.RoomHistoryRequest;
import io.livedesk.protocol.RoomMessage;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.livedesk.server.room.RoomsTest.assertOk;
import static io.livedesk.server.room.RoomsTest.join;
import static io.livedesk.server.room.RoomsTest.nextRoomMessage;
import static io.livedesk.server.room.RoomsTest.say;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With a retention time set, room messages are kept in MongoDB for replay and moderation review. */
class RoomArchiveTest {

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("rooms.retentionHours", 1, "rooms.historySize", 2));
  }

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
  }

  @Test
  void storedMessagesReplayPageByPageWithoutDeletedOnesWhichStayForReview() throws Exception {
    try (WsClient host = WsClient.connect(node.port(), Tokens.of("arc-host", "moderator"))) {
      join(host, "arc");
      List<String> ids = new ArrayList<>();
      for (String text : List.of("one", "two", "three", "four")) {
        assertOk(say(host, "arc", text));
        ids.add(nextRoomMessage(host).getMessageId());
      }
      assertOk(host.requestKeepingOthers(Frame.newBuilder().setModerate(Moderate.newBuilder().setRoomId("arc")
          .setAction(ModerationAction.DELETE_MESSAGE).setMessageId(ids.get(2)))));
      host.await(Frame::hasRoomNotice);

      RoomHistory newest = page(host, "", 2);
      assertEquals(List.of("two", "four"), texts(newest.getMessagesList()), "the deleted 'three' is not replayed");
      assertTrue(newest.getMore());
      RoomHistory older = page(host, newest.getMessages(0).getMessageId(), 2);
      assertEquals(List.of("one"), texts(older.getMessagesList()));

      Document deleted = node.store().first(node.store().collection(RoomArchive.COLLECTION).find(Filters.eq("_id", ids.get(2))))
          .await(10, TimeUnit.SECONDS);
      assertEquals(true, deleted.getBoolean("deleted"));
      assertEquals("arc-host", deleted.getString("deletedBy"));
    }
  }

  private static RoomHistory page(WsClient c, String before, int limit) {
    Frame reply = c.request(Frame.newBuilder().setRoomHistory(RoomHistoryRequest.newBuilder().setRoomId("arc")
        .setBeforeMessageId(before).setLimit(limit)));
    assertTrue(reply.hasRoomHistoryPage(), reply.toString());
    return reply.getRoomHistoryPage();
  }

  private static List<String> texts(List<RoomMessage> messages) {
    return messages.stream().map(RoomMessage::getText).toList();
  }
}
