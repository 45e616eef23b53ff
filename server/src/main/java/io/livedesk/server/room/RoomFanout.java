package io.livedesk.server.room;

import com.google.protobuf.InvalidProtocolBufferException;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.RoomBatch;
import io.livedesk.protocol.RoomMessage;
import io.livedesk.protocol.RoomNoticeKind;
import io.livedesk.protocol.ViewerCount;
import io.livedesk.server.cluster.Addresses;
import io.livedesk.server.gateway.Outgoing;
import io.livedesk.server.gateway.Session;
import io.vertx.core.Context;
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
 * arrives once per node, however many viewers), which hands each event to every event loop that
 * holds members of the room. Each loop batches a busy room into one frame per socket per window
 * and writes it to its own members, on its own thread, independently of the other loops. It also
 * shares this node's viewer counts and tells rooms their total when it changed, at most once per
 * interval.
 */
final class RoomFanout extends VerticleBase {

  static final String ROOM_HEADER = "room";
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

  /** The context that receives the room events and hands them to the members' loops (tests pick other loops to stall). */
  Context context() {
    return context;
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
    // Handed to every event loop that holds members, in the order received: tasks of one context
    // run in order, so each viewer gets the room's events in this order. This context only hands
    // them over; the batching and the writing run on the members' own loops, in parallel.
    if (frame.hasRoomMessage()) {
      RoomMessage message = frame.getRoomMessage();
      for (Members.Shard shard : room.shards.values()) {
        shard.context.runOnContext(v -> received(room.id, shard, message));
      }
      return;
    }
    Outgoing out = new Outgoing(frame);
    for (Members.Shard shard : room.shards.values()) {
      shard.context.runOnContext(v -> {
        // Notices and pins keep their place after the messages before them, and are never dropped.
        flush(room.id, shard);
        shard.sessions.forEach(s -> s.send(out));
      });
    }
    if (frame.hasRoomNotice() && frame.getRoomNotice().getKind() == RoomNoticeKind.USER_BANNED) {
      // queued on each loop after the notice, so the banned user still sees it
      members.removeUser(room.id, frame.getRoomNotice().getUserId());
    }
  }

  /**
   * On the shard's loop: at most one frame per socket per window. At a low rate a message goes at
   * once (behind the tasks already queued, so a loop catching up sends what it caught up on as one
   * frame); at a high rate the messages of one window go together. A window is counted from the
   * start of the previous write, so a loop whose write took longer than the window writes the next
   * batch as soon as it is done, with everything that came meanwhile: a slow write makes bigger
   * frames, never a queue of batches.
   */
  private void received(String roomId, Members.Shard shard, RoomMessage message) {
    assert Thread.currentThread() == shard.loop : "a room's batch is touched on its loop only";
    shard.pending.add(message);
    if (shard.flushTimer >= 0 || shard.flushQueued) {
      return;
    }
    long wait = shard.lastFlushAt + config.batchWindowMs() - System.currentTimeMillis();
    if (wait <= 0) {
      shard.flushQueued = true;
      shard.context.runOnContext(v -> {
        shard.flushQueued = false;
        flush(roomId, shard);
      });
    } else {
      // set on the shard's loop, so it fires there
      shard.flushTimer = vertx.setTimer(wait, id -> {
        shard.flushTimer = -1;
        flush(roomId, shard);
      });
    }
  }

  /**
   * On the shard's loop: writes every pending message to the shard's members, best effort. A
   * frame holds at most {@link #BATCH_BYTES} of messages; a longer backlog (a loop that stalled)
   * goes as several frames at once, and a socket that cannot take them all sheds the rest
   * ({@code Session.offer}: dropped and counted), so nothing is carried over to wait for later.
   */
  private void flush(String roomId, Members.Shard shard) {
    assert Thread.currentThread() == shard.loop : "a room's batch is written on its loop only";
    if (shard.flushTimer >= 0) {
      vertx.cancelTimer(shard.flushTimer);
      shard.flushTimer = -1;
    }
    List<RoomMessage> pending = shard.pending;
    if (pending.isEmpty()) {
      return;
    }
    shard.lastFlushAt = System.currentTimeMillis();
    for (int from = 0; from < pending.size(); ) {
      int to = from;
      for (int bytes = 0; to < pending.size() && (to == from || bytes + pending.get(to).getSerializedSize() <= BATCH_BYTES); to++) {
        bytes += pending.get(to).getSerializedSize();
      }
      Frame frame = to - from == 1
          ? Frame.newBuilder().setRoomMessage(pending.get(from)).build()
          : Frame.newBuilder().setRoomBatch(RoomBatch.newBuilder().setRoomId(roomId).addAllMessages(pending.subList(from, to))).build();
      Outgoing out = new Outgoing(frame);
      for (Session s : shard.sessions) {
        s.offer(out);
      }
      from = to;
    }
    pending.clear();
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
