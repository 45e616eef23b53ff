package io.livedesk.server.room;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.protocol.RoomMessage;
import io.livedesk.server.store.Store;
import io.vertx.core.Future;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Room messages kept in MongoDB for replay and moderation review, for {@code rooms.retentionHours}
 * (a TTL index expires them; reads also ignore older ones, for stores that do not expire).
 */
public final class RoomArchive {

  public static final String COLLECTION = "room_messages";
  private static final Logger log = LoggerFactory.getLogger(RoomArchive.class);

  private final Store store;
  private final MongoCollection<Document> messages;
  private final long retentionMs;

  RoomArchive(Store store, int retentionHours) {
    this.store = store;
    this.messages = store.collection(COLLECTION);
    this.retentionMs = TimeUnit.HOURS.toMillis(retentionHours);
  }

  Future<Void> start() {
    return store.first(messages.createIndex(Indexes.ascending("room", "at")))
        .compose(i -> store.first(messages.createIndex(Indexes.ascending("at"),
            new IndexOptions().expireAfter(retentionMs / 1000, TimeUnit.SECONDS))))
        .mapEmpty();
  }

  /** Best effort: room chat is not the durable record, so a failed write is logged, not retried; completes either way. */
  Future<Void> store(RoomMessage m) {
    Document doc = new Document("_id", m.getMessageId()).append("room", m.getRoomId()).append("user", m.getUserId())
        .append("name", m.getUserName()).append("text", m.getText()).append("at", new Date(m.getAt()))
        .append("clientMsgId", m.getClientMsgId()).append("moderator", m.getModerator()).append("deleted", false);
    return store.first(messages.insertOne(doc))
        .onFailure(e -> log.warn("room message not archived room={} cause={}", m.getRoomId(), e.toString()))
        .<Void>mapEmpty().otherwiseEmpty();
  }

  /** Deleted messages stay for review but are never replayed. */
  Future<Void> markDeleted(String messageId, String by) {
    return store.first(messages.updateOne(Filters.eq("_id", messageId),
            Updates.combine(Updates.set("deleted", true), Updates.set("deletedBy", by))))
        .onFailure(e -> log.warn("room message deletion not archived id={} cause={}", messageId, e.toString()))
        .<Void>mapEmpty().otherwiseEmpty();
  }

  /** Up to {@code limit} messages before the given one (or the newest), oldest first, and whether more exist. */
  Future<Page> before(String roomId, String beforeId, int limit) {
    Future<Date> bound = beforeId.isEmpty() ? Future.succeededFuture(new Date(Long.MAX_VALUE))
        : store.first(messages.find(Filters.and(Filters.eq("_id", beforeId), Filters.eq("room", roomId))))
            .map(d -> d == null ? new Date(0) : d.getDate("at"));
    return bound.compose(at -> {
      Bson filter = Filters.and(Filters.eq("room", roomId), Filters.eq("deleted", false), Filters.lt("at", at),
          Filters.gte("at", new Date(System.currentTimeMillis() - retentionMs)));
      return store.all(messages.find(filter).sort(Sorts.descending("at", "_id")).limit(limit + 1));
    }).map(docs -> {
      boolean more = docs.size() > limit;
      List<RoomMessage> page = new ArrayList<>(docs.stream().limit(limit).map(RoomArchive::message).toList());
      Collections.reverse(page);
      return new Page(page, more);
    });
  }

  record Page(List<RoomMessage> messages, boolean more) {
  }

  private static RoomMessage message(Document d) {
    return RoomMessage.newBuilder().setMessageId(d.getString("_id")).setRoomId(d.getString("room"))
        .setUserId(d.getString("user")).setUserName(d.getString("name")).setText(d.getString("text"))
        .setAt(d.getDate("at").getTime()).setClientMsgId(d.getString("clientMsgId"))
        .setModerator(Boolean.TRUE.equals(d.getBoolean("moderator"))).build();
  }
}
