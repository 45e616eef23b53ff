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
import io.livedesk.server.metrics.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

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
  /**
   * Socket writes in one turn of a room's write on a loop: a few milliseconds (a write to a socket
   * costs about 10 us on the machines measured, most of it the kernel's), so that the loop reads and
   * runs its other tasks between turns.
   */
  static final int WRITES_PER_TURN = 256;
  /**
   * Most message bytes in one flush; a longer backlog goes in the next flushes, one per window (20
   * MB/s for a room on a loop, a hundred times what a busy room says). A flush is in flight to each
   * socket until its writes complete (on io_uring, when the loop reaps them): an unbounded flush
   * counted a whole backlog against a fast reader, and flushes back to back found the last one
   * still in flight.
   */
  static final int FLUSH_BYTES = 16 * BATCH_BYTES;
  /**
   * Most message bytes waiting for one room on one loop: past it the oldest are dropped, counted for
   * every member. A safety net, not a working limit: a burst (12 MB in {@code SlowConsumerTest})
   * stays under it while the flushes drain it.
   */
  static final long PENDING_BYTES = 32L * FLUSH_BYTES;

  private record NodeCounts(Map<String, Integer> counts, long at) {
  }

  private final Members members;
  private final Metrics metrics;
  private final RoomConfig config;
  private final String nodeId;
  private final Map<String, NodeCounts> remote = new ConcurrentHashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  RoomFanout(Members members, RoomConfig config, String nodeId, Metrics metrics) {
    this.members = members;
    this.metrics = metrics;
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
    Outgoing out = Outgoing.toMany(frame);
    for (Members.Shard shard : room.shards.values()) {
      shard.context.runOnContext(v -> {
        // Notices and pins keep their place after the messages before them, and are never dropped:
        // they go at once, with what is pending, or right after the write under way.
        shard.pending.add(out);
        flush(room.id, shard);
      });
    }
    if (frame.hasRoomNotice() && frame.getRoomNotice().getKind() == RoomNoticeKind.USER_BANNED) {
      // queued on each loop after the notice, and a write under way keeps the members it started
      // with, so the banned user still sees it
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
    shard.pendingBytes += message.getSerializedSize();
    for (int i = 0; shard.pendingBytes > PENDING_BYTES && i < shard.pending.size(); ) {
      if (shard.pending.get(i) instanceof RoomMessage oldest) {
        // a loop that cannot keep up with the room: the oldest chat goes, never a notice
        shard.pending.remove(i);
        shard.pendingBytes -= oldest.getSerializedSize();
        metrics.dropped(Frame.BodyCase.ROOM_MESSAGE, shard.sessions.size());
      } else {
        i++;
      }
    }
    schedule(roomId, shard);
  }

  /** On the shard's loop: the next flush, once the window has passed and the write under way is done. */
  private void schedule(String roomId, Members.Shard shard) {
    if (shard.flushTimer >= 0 || shard.flushQueued || shard.writing != null) {
      return;
    }
    long wait = shard.lastFlushAt + config.batchWindowMs() - System.currentTimeMillis();
    if (wait <= 0) {
      shard.flushQueued = true;
      // After the loop's next I/O, not as a task before it: the loop reads first (a catching-up
      // loop sends what it read with this flush), and on io_uring it reaps the completions of the
      // last flush's writes, so a socket that took them no longer counts them as queued.
      afterNextIo(shard, () -> {
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
   * On the shard's loop: starts writing what is pending to the shard's members, best effort, up to
   * {@link #FLUSH_BYTES} of messages (the rest of a long backlog, a loop that stalled, goes in the
   * next flushes). A frame holds at most {@link #BATCH_BYTES} of messages; a socket that was falling
   * behind when the flush began sheds its messages ({@code Session.offer}: dropped and counted).
   * What arrives while the write is under way waits for it to end, then goes as one batch.
   */
  private void flush(String roomId, Members.Shard shard) {
    assert Thread.currentThread() == shard.loop : "a room's batch is written on its loop only";
    if (shard.writing != null || shard.pending.isEmpty()) {
      return;
    }
    if (shard.flushTimer >= 0) {
      vertx.cancelTimer(shard.flushTimer);
      shard.flushTimer = -1;
    }
    shard.lastFlushAt = System.currentTimeMillis();
    shard.writing = roomWrite(parts(roomId, take(shard)), shard.sessions.toArray(new Session[0]), RoomWrite.TO_SESSION);
    writeTurn(roomId, shard);
  }

  /**
   * One turn of the write under way. A room of thousands on one loop is thousands of socket writes
   * (tens of milliseconds): written in one go, they held up everything else on the loop, the says
   * read there, Hazelcast's answers to them and the next events handed to the loop included, so a
   * message waited behind the writes of the one before it at each of those steps. Between turns the
   * loop reads its sockets and runs the tasks queued meanwhile: the next turn is scheduled (due at
   * once), and Netty runs due scheduled tasks only after its next I/O, where a task queued from
   * the loop would run before it.
   */
  private void writeTurn(String roomId, Members.Shard shard) {
    RoomWrite<Session> write = shard.writing;
    boolean more;
    try {
      more = write.writeSome(WRITES_PER_TURN);
    } catch (RuntimeException e) {
      shard.writing = null; // the room goes on with its next flush rather than stalling on this loop
      throw e;
    }
    if (more) {
      afterNextIo(shard, () -> writeTurn(roomId, shard));
      return;
    }
    shard.writing = null;
    if (!shard.pending.isEmpty()) {
      schedule(roomId, shard);
    }
  }

  /** Runs on the shard's loop after its next I/O: Netty runs a scheduled task that is due then, where a task queued from the loop runs before it. */
  private static void afterNextIo(Members.Shard shard, Runnable action) {
    ContextInternal context = (ContextInternal) shard.context;
    shard.eventLoop.schedule(() -> context.emit(null, v -> action.run()), 0, TimeUnit.NANOSECONDS);
  }

  /** Takes the oldest pending items, up to {@link #FLUSH_BYTES} of messages (at least one item), off the shard. */
  private static List<Object> take(Members.Shard shard) {
    List<Object> pending = shard.pending;
    long bytes = 0;
    int n = 0;
    for (; n < pending.size(); n++) {
      if (pending.get(n) instanceof RoomMessage m) {
        int size = m.getSerializedSize();
        if (n > 0 && bytes + size > FLUSH_BYTES) {
          break;
        }
        bytes += size;
      }
    }
    List<Object> taken = new ArrayList<>(pending.subList(0, n));
    pending.subList(0, n).clear();
    shard.pendingBytes -= bytes;
    return taken;
  }

  /** A flush of these parts to these members, starting at a random one (see {@link RoomWrite}). */
  static <M> RoomWrite<M> roomWrite(List<RoomWrite.Part> parts, M[] members, BiConsumer<M, List<RoomWrite.Part>> write) {
    return new RoomWrite<>(parts, members, Members.randomStart(members.length), write);
  }

  /** The frames of one flush: consecutive messages batched up to {@link #BATCH_BYTES}, notices as they are. */
  private static List<RoomWrite.Part> parts(String roomId, List<Object> pending) {
    List<RoomWrite.Part> parts = new ArrayList<>();
    List<RoomMessage> batch = new ArrayList<>();
    int bytes = 0;
    for (Object item : pending) {
      if (item instanceof RoomMessage m) {
        int size = m.getSerializedSize();
        if (!batch.isEmpty() && bytes + size > BATCH_BYTES) {
          parts.add(batched(roomId, batch));
          batch = new ArrayList<>();
          bytes = 0;
        }
        batch.add(m);
        bytes += size;
      } else {
        if (!batch.isEmpty()) {
          parts.add(batched(roomId, batch));
          batch = new ArrayList<>();
          bytes = 0;
        }
        parts.add(new RoomWrite.Part((Outgoing) item, true));
      }
    }
    if (!batch.isEmpty()) {
      parts.add(batched(roomId, batch));
    }
    return parts;
  }

  private static RoomWrite.Part batched(String roomId, List<RoomMessage> batch) {
    Frame frame = batch.size() == 1
        ? Frame.newBuilder().setRoomMessage(batch.get(0)).build()
        : Frame.newBuilder().setRoomBatch(RoomBatch.newBuilder().setRoomId(roomId).addAllMessages(batch)).build();
    return new RoomWrite.Part(Outgoing.toMany(frame), false);
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
        room.write(Outgoing.toMany(Frame.newBuilder()
            .setViewerCount(ViewerCount.newBuilder().setRoomId(room.id).setCount(total)).build()), true);
      }
    }
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}
