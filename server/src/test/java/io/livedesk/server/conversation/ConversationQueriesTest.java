package io.livedesk.server.conversation;

import com.mongodb.MongoClientSettings;
import com.mongodb.client.model.Filters;
import org.bson.BsonDocument;
import org.bson.conversions.Bson;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The lookups of every send and every ask name exactly a unique index's fields in one plain
 * document, the shape any MongoDB answers from that index; an update with a condition filters
 * an _id lookup. (That the embedded store serves each from an index is EmbeddedStoreIndexTest's.)
 */
class ConversationQueriesTest {

  private static BsonDocument render(Bson filter) {
    return filter.toBsonDocument(BsonDocument.class, MongoClientSettings.getDefaultCodecRegistry());
  }

  @Test
  void theMessageLookupOfEverySendNamesTheUniqueIndexFields() {
    assertEquals(List.of("conversationId", "senderId", "clientMsgId"),
        List.copyOf(render(Conversations.byClientMsgId("c1", "alice", "m1")).keySet()));
  }

  @Test
  void theAskLookupNamesTheUniqueIndexFields() {
    assertEquals(List.of("customerId", "askId"), List.copyOf(render(Conversations.byAskId("alice", "q-1")).keySet()));
  }

  @Test
  void anUpdateWithoutConditionFiltersOnTheIdAlone() {
    assertEquals(List.of("_id"), List.copyOf(render(Conversations.byIdAnd("c1", Filters.empty())).keySet()));
    assertEquals(List.of("$and"), List.copyOf(render(Conversations.byIdAnd("c1", Filters.eq("state", "ACTIVE"))).keySet()));
  }
}
