package io.livedesk.server.room;

import com.google.protobuf.InvalidProtocolBufferException;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.RoomBatch;
import io.livedesk.protocol.RoomMessage;
import io.livedesk.protocol.RoomNoticeKind;
import io.livedesk.protocol.ViewerCount;
import io.livedesk.server.cluster.Addresses;
import io.livedesk.server.gateway.Outgoing;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's side of every room: one consumer of the cluster-wide room address (each message
 * arrives once per node, however many viewers), which writes to the local members, batching a
 * busy room into one frame per socket per window. It also shares this node's viewer counts and
 * tells rooms their total when it changed, at most once per interval.
 */
final class RoomFanout extends VerticleBase {

  static final String ROOM_HEADER = "room";
  /**
   * Batches of one room being written at once. Two, not one: an event loop that finished its part
   * of a batch may start the next while a slower loop is still on the previous one; any more would
   * only queue behind them.
   */
  static final int BATCHES_IN_FLIGHT = 2;
  /** Most message bytes in one frame; the rest of a long backlog goes in the next frames. */
  static final int BATCH_BYTES = 64 * 1024;

  private record NodeCounts(Map<String, Integer> counts, long at) {
  }

  private final Members members;
  private final RoomConfig config;
  private final String nodeId;
  private final Map<String, NodeCounts> remote = new ConcurrentHashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  RoomFanout(Members members, RoomConfig config, String nodeId) {
    this.members = members;
    this.config = config;
    this.nodeId = nodeId;
  }

  static DeliveryOptions to(String roomId) {
    return new DeliveryOptions().addHeader(ROOM_HEADER, roomId);
  }

  @Override
  public Future<?> start() {
    consumers.add(vertx.eventBus().<Buffer>consumer(Addresses.ROOM_EVENTS, this::event));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.ROOM_COUNTS, this::counts));
    vertx.setPeriodic(config.viewerCountIntervalMs(), id -> shareCounts());
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /** The total viewers of a room across the cluster, as last heard from the other nodes. */
  int viewers(String roomId) {
    long fresh = System.currentTimeMillis() - 3L * config.viewerCountIntervalMs();
    int total = members.localCount(roomId);
    for (Map.Entry<String, NodeCounts> e : remote.entrySet()) {
      if (!e.getKey().equals(nodeId) && e.getValue().at() >= fresh) {
        total += e.getValue().counts().getOrDefault(roomId, 0);
      }
    }
    return total;
  }

  /** Viewers of every room across the cluster, as last heard; rooms nobody watches are left out. */
  Map<String, Integer> viewersByRoom() {
    long fresh = System.currentTimeMillis() - 3L * config.viewerCountIntervalMs();
    Map<String, Integer> totals = new HashMap<>();
    for (Members.Room room : members.rooms()) {
      totals.merge(room.id, room.count.get(), Integer::sum);
    }
    for (Map.Entry<String, NodeCounts> e : remote.entrySet()) {
      if (!e.getKey().equals(nodeId) && e.getValue().at() >= fresh) {
        e.getValue().counts().forEach((room, n) -> totals.merge(room, n, Integer::sum));
      }
    }
    totals.values().removeIf(n -> n == 0);
    return totals;
  }

  private void event(Message<Buffer> msg) {
    Members.Room room = members.room(msg.headers().get(ROOM_HEADER));
    if (room == null) {
      return; // nobody in this room on this node: not even decoded
    }
    Frame frame;
    try {
      frame = Frame.parseFrom(msg.body().getBytes());
    } catch (InvalidProtocolBufferException e) {
      return; // only nodes of this cluster publish here
    }
    if (frame.hasRoomMessage()) {
      room.pending.add(frame.getRoomMessage());
      schedule(room);
      return;
    }
    // Notices and pins keep their place after the messages before them, even while a batch is being written.
    while (!room.pending.isEmpty()) {
      flush(room, true);
    }
    room.write(new Outgoing(frame), false);
    if (frame.hasRoomNotice() && frame.getRoomNotice().getKind() == RoomNoticeKind.USER_BANNED) {
      members.removeUser(room.id, frame.getRoomNotice().getUserId());
    }
  }

  /**
   * At most one frame per window: at a low rate a message goes at once, at a high rate they batch.
   * And at most {@link #BATCHES_IN_FLIGHT} batches being written at a time: when writing one to
   * every member takes longer than the window (a big room on a busy node), the next waits and grows
   * instead, so the event loops' queues and the latency stay bounded and each frame carries more messages.
   */
  private void schedule(Members.Room room) {
    if (room.flushTimer >= 0 || room.writing >= BATCHES_IN_FLIGHT) {
      return;
    }
    long wait = room.lastFlushAt + config.batchWindowMs() - System.currentTimeMillis();
    if (wait <= 0) {
      flush(room, false);
    } else {
      room.flushTimer = vertx.setTimer(wait, id -> {
        room.flushTimer = -1;
        flush(room, false);
      });
    }
  }

  private void flush(Members.Room room, boolean evenWhileWriting) {
    if (room.flushTimer >= 0) {
      vertx.cancelTimer(room.flushTimer);
      room.flushTimer = -1;
    }
    if (room.pending.isEmpty() || (room.writing >= BATCHES_IN_FLIGHT && !evenWhileWriting)) {
      return;
    }
    // A frame holds at most BATCH_BYTES of messages, so a slow socket still fills up frame by frame
    // and sheds the excess, even when batches wait for one another on a busy node.
    int take = 0;
    for (int bytes = 0; take < room.pending.size() && (take == 0 || bytes + room.pending.get(take).getSerializedSize() <= BATCH_BYTES); take++) {
      bytes += room.pending.get(take).getSerializedSize();
    }
    List<RoomMessage> batch = room.pending.subList(0, take);
    Frame frame = take == 1
        ? Frame.newBuilder().setRoomMessage(batch.get(0)).build()
        : Frame.newBuilder().setRoomBatch(RoomBatch.newBuilder().setRoomId(room.id).addAllMessages(batch)).build();
    batch.clear();
    room.lastFlushAt = System.currentTimeMillis();
    room.writing++;
    room.write(new Outgoing(frame), true).onComplete(done -> context.runOnContext(v -> written(room)));
  }

  private void written(Members.Room room) {
    room.writing--;
    if (!room.pending.isEmpty()) {
      schedule(room);
    }
  }

  private void counts(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    body.getJsonObject("rooms").forEach(e -> counts.put(e.getKey(), ((Number) e.getValue()).intValue()));
    remote.put(body.getString("node"), new NodeCounts(counts, System.currentTimeMillis()));
  }

  private void shareCounts() {
    JsonObject local = new JsonObject();
    List<String> empty = new ArrayList<>();
    for (Members.Room room : members.rooms()) {
      int n = room.count.get();
      local.put(room.id, n);
      if (n == 0) {
        empty.add(room.id);
      }
    }
    vertx.eventBus().publish(Addresses.ROOM_COUNTS, new JsonObject().put("node", nodeId).put("rooms", local));
    long stale = System.currentTimeMillis() - 3L * config.viewerCountIntervalMs();
    remote.values().removeIf(c -> c.at() < stale);
    empty.forEach(members::forgetIfEmpty);
    for (Members.Room room : members.rooms()) {
      int total = viewers(room.id);
      if (total != room.viewersSent) {
        room.viewersSent = total;
        room.write(new Outgoing(Frame.newBuilder()
            .setViewerCount(ViewerCount.newBuilder().setRoomId(room.id).setCount(total)).build()), true);
      }
    }
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}
