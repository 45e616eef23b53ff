package io.livedesk.server.room;

import io.livedesk.protocol.RoomMessage;
import io.livedesk.server.gateway.Outgoing;
import io.livedesk.server.gateway.Session;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Who is in which room on this node. Each room's members are split by the event loop their
 * session lives on, and each part is touched only on that loop, so a broadcast is one task per
 * event loop and no lock is taken per viewer. A viewer costs one set entry per room and one
 * entry in the session-to-rooms index.
 */
final class Members {

  /**
   * The members of one room on one event loop, and that loop's batch of the room's messages not yet
   * written to them. Every field but {@link #context} is touched only on that loop's thread: each loop
   * batches and writes its own members on its own thread, so a room's delivery runs on every loop
   * that holds members at once, and a busy loop holds back only its own members.
   */
  static final class Shard {
    /**
     * A context on the loop (that of the member who came first), to run tasks and set timers on it:
     * every context of one event loop runs its tasks on the loop's one thread.
     */
    final Context context;
    /** The loop's thread, the only one that touches the fields below. */
    final Thread loop;
    /** The loop itself: a write that yields goes on after the loop's next I/O (see {@code RoomFanout}). */
    final EventLoop eventLoop;
    final Set<Session> sessions = new HashSet<>();
    /**
     * Received and not yet written, oldest first: a {@link RoomMessage} (best effort, batched) or an
     * {@link Outgoing} notice or pin (written as it is, never dropped), in the order they came.
     */
    final List<Object> pending = new ArrayList<>();
    /** The serialized bytes of the messages in {@link #pending} (notices not counted). */
    long pendingBytes;
    /** The write under way, in turns that let the loop read between them; null when none is. */
    RoomWrite<Session> writing;
    /** When this loop last wrote a batch (started writing it): the next waits for the rest of the window. */
    long lastFlushAt;
    long flushTimer = -1;
    /** A flush is already queued behind this loop's tasks (the window had passed): nothing more to schedule. */
    boolean flushQueued;

    Shard(Context context, Thread loop) {
      this.context = context;
      this.loop = loop;
      this.eventLoop = ((ContextInternal) context).nettyEventLoop();
    }
  }

  /** One room on this node. {@link #viewersSent} belongs to the fan-out context. */
  static final class Room {
    final String id;
    final AtomicInteger count = new AtomicInteger();
    /**
     * Keyed by the event loop's thread, not by context: Vert.x gives every connection a duplicated
     * context of its own, so a context key made a shard per viewer, and a broadcast a task per viewer.
     */
    final Map<Thread, Shard> shards = new ConcurrentHashMap<>();
    int viewersSent = -1;

    Room(String id) {
      this.id = id;
    }

    /**
     * Runs the action for every local member, each on its own event loop, from a random member round
     * (a room-wide coupon reaches the same viewers first no more often than others); completes when all ran.
     */
    Future<Void> forEachMember(Consumer<Session> action) {
      List<Future<Void>> done = new ArrayList<>();
      for (Shard shard : shards.values()) {
        Promise<Void> ran = Promise.promise();
        shard.context.runOnContext(v -> {
          try {
            goRound(shard.sessions.toArray(new Session[0]), action);
            ran.complete();
          } catch (RuntimeException e) {
            ran.fail(e); // still completes: the fan-out waits for this to send the room's next batch
          }
        });
        done.add(ran.future());
      }
      return Future.all(done).mapEmpty();
    }

    /** Writes to every local member; completes once every event loop has written it. */
    Future<Void> write(Outgoing out, boolean bestEffort) {
      return forEachMember(bestEffort ? s -> s.offer(out) : s -> s.send(out));
    }
  }

  /** Where a pass over a loop's members starts: anywhere, so that no viewer is always first or last. */
  static int randomStart(int members) {
    return ThreadLocalRandom.current().nextInt(Math.max(1, members));
  }

  /** The action for each member once, from a random one round. */
  static <M> void goRound(M[] members, Consumer<M> action) {
    int first = randomStart(members.length);
    for (int i = 0; i < members.length; i++) {
      action.accept(members[(first + i) % members.length]);
    }
  }

  private final Map<String, Room> rooms = new ConcurrentHashMap<>();
  /** The rooms each session is in; an array because a session is in one room almost always. */
  private final Map<Session, String[]> joined = new ConcurrentHashMap<>();

  Room room(String roomId) {
    return rooms.get(roomId);
  }

  Iterable<Room> rooms() {
    return rooms.values();
  }

  int localCount(String roomId) {
    Room r = rooms.get(roomId);
    return r == null ? 0 : r.count.get();
  }

  boolean isIn(Session session, String roomId) {
    String[] ids = joined.get(session);
    return ids != null && Arrays.asList(ids).contains(roomId);
  }

  int roomsOf(Session session) {
    String[] ids = joined.get(session);
    return ids == null ? 0 : ids.length;
  }

  /**
   * Adds the session; must run on the session's event loop ({@code context} is the session's),
   * whose thread picks the shard. Returns false when it was already in.
   */
  boolean join(Session session, String roomId, Context context) {
    assert Context.isOnEventLoopThread() : "join on the session's event loop";
    if (isIn(session, roomId)) {
      return false;
    }
    joined.merge(session, new String[] {roomId}, (a, b) -> {
      String[] both = Arrays.copyOf(a, a.length + 1);
      both[a.length] = roomId;
      return both;
    });
    Room room = rooms.compute(roomId, (id, r) -> {
      Room live = r == null ? new Room(id) : r;
      live.count.incrementAndGet();
      return live;
    });
    room.shards.computeIfAbsent(Thread.currentThread(), t -> new Shard(context, t)).sessions.add(session);
    return true;
  }

  /** Removes the session from the room; must run on the session's event loop, whose thread picks the shard. */
  boolean leave(Session session, String roomId) {
    assert Context.isOnEventLoopThread() : "leave on the session's event loop";
    if (!isIn(session, roomId)) {
      return false;
    }
    joined.computeIfPresent(session, (s, ids) -> {
      String[] rest = Arrays.stream(ids).filter(id -> !id.equals(roomId)).toArray(String[]::new);
      return rest.length == 0 ? null : rest;
    });
    Room room = rooms.get(roomId);
    Shard shard = room == null ? null : room.shards.get(Thread.currentThread());
    if (shard != null && shard.sessions.remove(session)) {
      room.count.decrementAndGet();
    }
    return true;
  }

  /** Removes the session from every room; must run on the session's event loop. */
  void leaveAll(Session session) {
    String[] ids = joined.get(session);
    if (ids != null) {
      for (String id : ids) {
        leave(session, id);
      }
    }
  }

  /** Forgets a room with no members left on this node (called by the fan-out once the zero was shared). */
  void forgetIfEmpty(String roomId) {
    rooms.computeIfPresent(roomId, (id, r) -> r.count.get() == 0 ? null : r);
  }

  /**
   * Removes a user's sessions from a room on this node (after a ban), each on its own loop. Staff
   * are never bound by a room's bans (a ban of a moderator-role user who had not joined lands, but
   * binds nothing): the removal arrives after the ban was answered, and must not take out a staff
   * session that joined in between.
   */
  void removeUser(String roomId, String userId) {
    Room room = rooms.get(roomId);
    if (room == null) {
      return;
    }
    for (Shard shard : room.shards.values()) {
      shard.context.runOnContext(v -> shard.sessions.stream()
          .filter(s -> userId.equals(s.userId()) && !Rooms.moderatorByToken(s.principal())).toList()
          .forEach(s -> leave(s, roomId)));
    }
  }

}
