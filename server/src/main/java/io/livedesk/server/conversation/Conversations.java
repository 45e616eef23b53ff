package io.livedesk.server.conversation;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertOneModel;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ConversationMessage;
import io.livedesk.protocol.ConversationState;
import io.livedesk.protocol.ConversationUpdate;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.SenderRole;
import io.livedesk.protocol.SlaOutcome;
import io.livedesk.server.gateway.Delivery;
import io.livedesk.server.metrics.Metrics;
import io.livedesk.server.store.BulkWrites;
import io.livedesk.server.store.Store;
import io.livedesk.server.store.StoreUnavailableException;
import io.livedesk.server.store.WriteBuffer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The durable record of conversations and their messages in MongoDB, and delivery of their
 * changes to every session of every participant. A message's sequence number is taken by
 * its insert (unique per conversation), so it is safe whichever node writes, and has no holes.
 */
public final class Conversations {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Conversations.class);

  /** Sequence numbers tried for one message before the sender is told to retry. */
  private static final int SEQ_ATTEMPTS = 5;
  /** Writes in one bulk write at most, and waiting at most (see {@link BulkWrites}). */
  private static final int BULK_MAX = 512;
  private static final int BULK_CAPACITY = 10_000;

  /** Collection names, shared with privacy (export, erasure, retention): a conversation's customer is its {@code customerId}, a message's conversation its {@code conversationId}. */
  public static final String CONVERSATIONS = "conversations";
  public static final String MESSAGES = "messages";
  public static final String SLA_EVENTS = "sla_events";

  private final Store store;
  private final WriteBuffer writes;
  private final Delivery delivery;
  private final MongoCollection<Document> conversations;
  private final MongoCollection<Document> messages;
  private final MongoCollection<Document> slaEvents;
  /** Message inserts, several to a command under load (see {@link BulkWrites}); unordered: each stands alone. */
  private final BulkWrites messageInserts;
  /** lastSeq raises, in the order their messages were stored: what rides along ($min, $unset) does not commute. */
  private final BulkWrites seqRaises;
  /** Per conversation, the append in progress on this node, until its lastSeq is raised (see {@link #append}). */
  private final Map<String, Future<Integer>> appending = new ConcurrentHashMap<>();
  /** Messages this node is storing, queued behind another of their conversation or written (see {@link #append}). */
  private final AtomicInteger storing = new AtomicInteger();
  private final int maxStoring;
  private final Metrics.Counter refused;

  /** A message as stored; {@code duplicate} when its client message id had been stored before. */
  public record Stored(ConversationMessage message, boolean duplicate) {
  }

  public Conversations(Store store, WriteBuffer writes, Delivery delivery, int maxStoring, Metrics metrics) {
    this.store = store;
    this.maxStoring = maxStoring;
    this.refused = metrics.counter("livedesk_messages_refused_busy_total",
        "messages refused at once with STORE_UNAVAILABLE because the node was already storing conversation.maxMessagesStoring");
    metrics.gauge("livedesk_messages_storing", "messages this node is storing now", storing::get);
    this.writes = writes;
    this.delivery = delivery;
    this.conversations = store.collection(CONVERSATIONS);
    this.messages = store.collection(MESSAGES);
    this.slaEvents = store.collection(SLA_EVENTS);
    // maxStoring bounds the messages in flight, so these queues stay far below their capacity but for a stuck store
    this.messageInserts = new BulkWrites(store, writes, messages, false, BULK_MAX, BULK_CAPACITY);
    this.seqRaises = new BulkWrites(store, writes, conversations, true, BULK_MAX, BULK_CAPACITY);
  }

  /** One index per query the product makes; the unique ones make resends and seq clashes impossible. */
  public Future<Void> createIndexes() {
    return Future.all(List.of(
        // A client message id is unique per sender (PROTOCOL.md section 9): two participants may reuse one.
        dropIndex(messages, "conversationId_1_clientMsgId_1").compose(v -> store.first(messages.createIndex(
            Indexes.ascending("conversationId", "senderId", "clientMsgId"), new IndexOptions().unique(true)))),
        store.first(messages.createIndex(Indexes.ascending("conversationId", "seq"), new IndexOptions().unique(true))),
        store.first(conversations.createIndex(Indexes.ascending("customerId", "askId"), new IndexOptions().unique(true))),
        store.first(conversations.createIndex(Indexes.ascending("customerId", "createdAt"))),
        store.first(conversations.createIndex(Indexes.ascending("customerId", "state"))),
        store.first(conversations.createIndex(Indexes.ascending("customerId", "intent", "createdAt"))),
        store.first(conversations.createIndex(Indexes.ascending("agentId", "state"))),
        store.first(conversations.createIndex(Indexes.ascending("state", "lastActivityAt"))),
        store.first(conversations.createIndex(Indexes.ascending("state", "responseDueAt"))),
        store.first(slaEvents.createIndex(Indexes.ascending("conversationId", "at"))))).mapEmpty();
  }

  /**
   * Drops an index an earlier version declared (a store that has it keeps enforcing it); one that
   * was never there is fine.
   */
  private Future<Void> dropIndex(MongoCollection<Document> collection, String name) {
    return store.all(collection.listIndexes())
        .compose(indexes -> indexes.stream().noneMatch(i -> name.equals(i.getString("name"))) ? Future.<Void>succeededFuture()
            : store.first(collection.dropIndex(name)).<Void>mapEmpty())
        .recover(e -> e instanceof MongoCommandException m && (m.getErrorCode() == 27 || m.getErrorMessage().contains("not found"))
            ? Future.succeededFuture() : Future.failedFuture(e));
  }

  public Future<Document> insert(Document conversation) {
    return store.first(conversations.insertOne(conversation)).map(conversation);
  }

  /** The conversation the customer opened with this ask's client message id, or null. */
  public Future<Document> asked(String customerId, String askId) {
    return store.first(conversations.find(byAskId(customerId, askId)));
  }

  /*
   * Lookups by a unique index name exactly its fields in one plain document, the shape any
   * MongoDB, and the embedded store's planner (store.embedded.QueryPlanner), answers from that
   * index; EmbeddedStoreIndexTest checks every hot query reads only what it returns.
   */

  static Bson byClientMsgId(String conversationId, String senderId, String clientMsgId) {
    return new Document("conversationId", conversationId).append("senderId", senderId).append("clientMsgId", clientMsgId);
  }

  static Bson byAskId(String customerId, String askId) {
    return new Document("customerId", customerId).append("askId", askId);
  }

  /** The id alone when there is no further condition; with one, the _id lookup is filtered (never a scan). */
  static Bson byIdAnd(String id, Bson filter) {
    return filter instanceof BsonDocument d && d.isEmpty() ? Filters.eq("_id", id) : Filters.and(Filters.eq("_id", id), filter);
  }

  public Future<Document> get(String id) {
    return store.first(conversations.find(Filters.eq("_id", id)));
  }

  /** Applies the update when the filter (with the id) matches; answers the document after it, or null. */
  public Future<Document> update(String id, Bson filter, Bson update) {
    return store.first(conversations.findOneAndUpdate(byIdAnd(id, filter), update,
        new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)));
  }

  public Future<List<Document>> find(Bson filter, int limit) {
    return store.all(conversations.find(filter).limit(limit));
  }

  public Future<Long> count(Bson filter) {
    return store.first(conversations.countDocuments(filter));
  }

  /** Up to {@code limit} of the customer's conversations in one of {@code states}, newest first. */
  public Future<List<Document>> ofCustomer(String customerId, List<String> states, int limit) {
    return store.all(conversations.find(Filters.and(Filters.eq("customerId", customerId), Filters.in("state", states)))
        .sort(Sorts.descending("createdAt")).limit(limit));
  }

  /** The customer's latest conversation that an agent held, if any. */
  public Future<Document> lastWithAgent(String customerId) {
    return store.first(conversations.find(Filters.and(Filters.eq("customerId", customerId), Filters.exists("agentId")))
        .sort(Sorts.descending("createdAt")).limit(1));
  }

  /**
   * Stores a message once per sender and client message id. Its seq is taken by the insert itself
   * (a message's _id is its conversation and seq): the first seq above the conversation's
   * {@code lastSeq} that no message holds. So a write that fails half-way leaves no hole, as an
   * increment taken before a failed insert did: a seq exists exactly when its message does.
   * {@code lastSeq} then rises to it, in one update with {@code alongside} (null: nothing more), so
   * that what a message changes on its conversation costs no write of its own. {@code conversation}
   * is the document as the caller last read it.
   *
   * <p>The messages of one conversation are appended one after the other on a node, each starting
   * from the seq the one before it took. Concurrent appends that all started from the same
   * {@code lastSeq} collided on its next seq, and each collision cost another insert and update:
   * under load, latency grew, so more appends overlapped and collided, and goodput fell as the
   * offered rate rose. Appends from two nodes into one conversation can still collide; that costs
   * one more attempt.
   *
   * <p>Every message being stored counts (see {@link #refusalWhenBusy}).
   */
  public Future<Stored> append(Document conversation, String senderId, String senderName, SenderRole role, String text,
                               String clientMsgId, Bson alongside) {
    storing.incrementAndGet();
    String conversationId = conversation.getString("_id");
    int read = (int) number(conversation, "lastSeq");
    ConversationMessage unnumbered = ConversationMessage.newBuilder().setConversationId(conversationId)
        .setSenderId(senderId).setSenderName(senderName).setSenderRole(role).setText(text)
        .setClientMsgId(clientMsgId).setAt(System.currentTimeMillis()).build();
    Promise<Integer> mine = Promise.promise(); // completes with the highest seq known once this append is done
    Future<Integer> before = appending.put(conversationId, mine.future());
    Context caller = Vertx.currentContext();
    // No lookup first: the unique (conversation, sender, client id) index refuses a resend, and only
    // then is the stored message read. A new message costs one insert, not a read and an insert.
    Future<Stored> stored = (before == null ? Future.succeededFuture(read) : before.map(last -> Math.max(last, read)))
        .compose(last -> onContext(caller, () -> insertAt(last + 1, unnumbered, SEQ_ATTEMPTS)));
    stored.onComplete(ar -> {
      storing.decrementAndGet();
      // Raised before the next append here is let go, so that the raises queue in message order.
      Future<Void> raised = ar.succeeded() && !ar.result().duplicate()
          ? raiseLastSeq(ar.result().message(), alongside) : Future.succeededFuture();
      mine.complete(ar.succeeded() ? Math.max(read, ar.result().message().getSeq()) : read);
      // The next append here starts from this one's seq until lastSeq has risen to it: read before
      // that, the conversation would send it to a seq this message holds, at the cost of another attempt.
      raised.onComplete(r -> appending.remove(conversationId, mine.future()));
    });
    return stored;
  }

  /**
   * Null when a message may be stored now, else its refusal (STORE_UNAVAILABLE, retryable): when
   * {@code maxStoring} messages are being stored on this node already. Without that bound, a node
   * offered more than its store could take queued every message: latency grew with the queue,
   * senders timed out on messages that were still stored later, and the queue's memory grew. With
   * it, what is admitted waits about {@code maxStoring} / the store's rate at most, and the rest
   * learn so at once. Checked before a send reads its conversation, so that a refusal costs no
   * store read either; sends whose read is under way and the question of an ask are not held back
   * (an ask is bounded per customer), so the bound is a soft one.
   */
  public <T> Future<T> refusalWhenBusy() {
    if (storing.get() < maxStoring) {
      return null;
    }
    refused.inc();
    return Future.failedFuture(new StoreUnavailableException("the node is storing " + maxStoring
        + " messages already; retry after a moment"));
  }

  /** Runs on the caller's context, so that a queued append answers where it was asked. */
  private static <T> Future<T> onContext(Context context, Supplier<Future<T>> action) {
    if (context == null || context == Vertx.currentContext()) {
      return action.get();
    }
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(result));
    return result.future();
  }

  private Future<Stored> insertAt(int seq, ConversationMessage unnumbered, int attempts) {
    ConversationMessage m = unnumbered.toBuilder().setSeq(seq).build();
    // The insert waits out a MongoDB outage within the write buffer's bound; the ack waits for it.
    // Stored is stored: the ack does not wait for lastSeq, a second durable write (append raises it).
    return messageInserts.submit(new InsertOneModel<>(toDocument(m)))
        .map(inserted -> new Stored(m, false))
        .recover(e -> !isDuplicate(e) ? Future.failedFuture(e) : existing(m.getConversationId(), m.getSenderId(), m.getClientMsgId()).compose(f -> {
          if (f != null) {
            return Future.succeededFuture(new Stored(f, true)); // a concurrent resend won the race
          }
          if (attempts <= 1) {
            return Future.failedFuture(new StoreUnavailableException("no free sequence number; retry"));
          }
          // Another message holds this seq: lastSeq rises to it at least, and the next free one is tried.
          return raiseLastSeqAndRead(m.getConversationId(), seq, m.getAt()).compose(conv -> conv == null
              ? Future.failedFuture(new IllegalStateException("no conversation " + m.getConversationId()))
              : insertAt((int) Math.max(number(conv, "lastSeq"), seq) + 1, unnumbered, attempts - 1));
        }));
  }

  /**
   * Raises the conversation's lastSeq to the stored message's seq if it is below, with {@code
   * alongside}. An update that answers nothing: the conversation is not needed after a message is
   * stored, and answering it cost a copy, an encoding and a decoding of the whole document per
   * message. A lastSeq left behind (a crash in between) costs the next append one more attempt, not a hole.
   */
  private Future<Void> raiseLastSeq(ConversationMessage m, Bson alongside) {
    Bson raise = lastSeqRaise(m.getSeq(), m.getAt());
    return seqRaises.submit(new UpdateOneModel<>(Filters.eq("_id", m.getConversationId()),
        alongside == null ? raise : Updates.combine(raise, alongside))).onFailure(e -> {
          if (alongside == null) {
            log.debug("lastSeq of {} not raised to {} cause={}", m.getConversationId(), m.getSeq(), e.toString());
          } else {
            // what rode along (the agent's response deadline) is lost with it: not only a retry's cost
            log.warn("lastSeq of {} not raised to {}, nor {} applied cause={}", m.getConversationId(), m.getSeq(), alongside, e.toString());
          }
        });
  }

  /** As {@link #raiseLastSeq}, answering the conversation after: where the next free seq is looked for. */
  private Future<Document> raiseLastSeqAndRead(String conversationId, int seq, long at) {
    return writes.write(store, () -> conversations.findOneAndUpdate(Filters.eq("_id", conversationId),
        lastSeqRaise(seq, at), new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)));
  }

  private static Bson lastSeqRaise(int seq, long at) {
    return Updates.combine(Updates.max("lastSeq", seq), Updates.set("lastActivityAt", at));
  }

  private Future<ConversationMessage> existing(String conversationId, String senderId, String clientMsgId) {
    return store.first(messages.find(byClientMsgId(conversationId, senderId, clientMsgId))).map(d -> d == null ? null : toMessage(d));
  }

  /** Messages after {@code lastSeq}, oldest first. */
  public Future<List<ConversationMessage>> after(String conversationId, long lastSeq) {
    return store.all(messages.find(Filters.and(Filters.eq("conversationId", conversationId), Filters.gt("seq", lastSeq)))
        .sort(Sorts.ascending("seq"))).map(list -> list.stream().map(Conversations::toMessage).toList());
  }

  /** Up to {@code limit} messages before {@code beforeSeq} (0: from the end), oldest first, and whether more exist. */
  public Future<List<ConversationMessage>> before(String conversationId, long beforeSeq, int limit) {
    Bson filter = beforeSeq > 0
        ? Filters.and(Filters.eq("conversationId", conversationId), Filters.lt("seq", beforeSeq))
        : Filters.eq("conversationId", conversationId);
    return store.all(messages.find(filter).sort(Sorts.descending("seq")).limit(limit + 1)).map(list -> {
      List<ConversationMessage> out = new ArrayList<>(list.stream().map(Conversations::toMessage).toList());
      Collections.reverse(out);
      return out;
    });
  }

  public Future<Void> slaEvent(String conversationId, String tier, String kind, long at) {
    return store.first(slaEvents.insertOne(new Document("conversationId", conversationId).append("tier", tier)
        .append("kind", kind).append("at", at))).mapEmpty();
  }

  /** Sends a frame to every session of the customer and, when there is one, the agent. */
  public void toParticipants(Document conversation, Frame frame) {
    delivery.toUser(conversation.getString("customerId"), frame);
    String agent = conversation.getString("agentId");
    if (agent != null) {
      delivery.toUser(agent, frame);
    }
  }

  public void announce(Document conversation) {
    toParticipants(conversation, updateFrame(conversation));
  }

  public static Frame updateFrame(Document conversation) {
    return Frame.newBuilder().setConversation(ConversationUpdate.newBuilder().setConversation(toProto(conversation))).build();
  }

  public static Frame messageFrame(ConversationMessage m) {
    return Frame.newBuilder().setMessage(m).build();
  }

  public static ConversationState state(Document d) {
    return ConversationState.valueOf(d.getString("state"));
  }

  public static Conversation toProto(Document d) {
    Conversation.Builder c = Conversation.newBuilder()
        .setId(d.getString("_id"))
        .setState(state(d))
        .setTier(d.get("tier", ""))
        .setIntent(d.get("intent", ""))
        .setCustomerId(d.get("customerId", ""))
        .setCustomerName(d.get("customerName", ""))
        .setAgentId(d.get("agentId", ""))
        .setAgentName(d.get("agentName", ""))
        .setRoomId(d.get("roomId", ""))
        .setProductId(d.get("productId", ""))
        .setStreamTs(number(d, "streamTs"))
        .setOrderId(d.get("orderId", ""))
        .setCreatedAt(number(d, "createdAt"))
        .setDeadlineAt(d.containsKey("responseDueAt") ? number(d, "responseDueAt") : number(d, "deadlineAt"))
        .setSla(SlaOutcome.valueOf(d.get("sla", "SLA_OUTCOME_UNSPECIFIED")))
        .setLastSeq((int) number(d, "lastSeq"))
        .setClosedBy(d.get("closedBy", ""))
        .setCloseReason(d.get("closeReason", ""))
        .setRating((int) number(d, "rating"));
    List<String> tags = d.getList("customerTags", String.class);
    if (tags != null) {
      c.addAllCustomerTags(tags);
    }
    return c.build();
  }

  private static long number(Document d, String key) {
    Object v = d.get(key);
    return v instanceof Number n ? n.longValue() : 0;
  }

  private static Document toDocument(ConversationMessage m) {
    return new Document("_id", m.getConversationId() + ":" + m.getSeq())
        .append("conversationId", m.getConversationId()).append("seq", m.getSeq()).append("senderId", m.getSenderId())
        .append("senderName", m.getSenderName()).append("senderRole", m.getSenderRole().name()).append("text", m.getText())
        .append("clientMsgId", m.getClientMsgId()).append("at", m.getAt());
  }

  private static ConversationMessage toMessage(Document d) {
    return ConversationMessage.newBuilder().setConversationId(d.getString("conversationId"))
        .setSeq((int) number(d, "seq")).setSenderId(d.get("senderId", "")).setSenderName(d.get("senderName", ""))
        .setSenderRole(SenderRole.valueOf(d.get("senderRole", "SENDER_ROLE_UNSPECIFIED"))).setText(d.get("text", ""))
        .setClientMsgId(d.get("clientMsgId", "")).setAt(number(d, "at")).build();
  }

  static boolean isDuplicate(Throwable e) {
    return e instanceof MongoWriteException w && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY;
  }
}
