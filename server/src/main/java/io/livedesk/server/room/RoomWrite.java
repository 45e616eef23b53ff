package io.livedesk.server.room;

import io.livedesk.server.gateway.Outgoing;
import io.livedesk.server.gateway.Session;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * One flush of a room's part on one event loop, written to its members a turn at a time: the
 * frames, in order, and the members as they were when it started, so that the turns in between
 * (a join, a leave) change nothing in it. Touched only on that loop.
 *
 * <p>Each flush starts at another member and goes round: a loop's thousands of writes take tens of
 * milliseconds, and in a fixed order the same viewers would get every message that much later
 * than the first ones, flush after flush. Going round from a random start, every viewer waits the
 * same on average.
 *
 * @param <M> a member: a {@link Session} on the node (tests write to plain values)
 */
final class RoomWrite<M> {

  /** A frame of the flush: messages are best effort (dropped for a full socket), notices and pins are not. */
  record Part(Outgoing out, boolean keep) {
  }

  /**
   * How a node writes a flush's parts to a session: kept parts are sent, the rest offered, all judged
   * by what was queued to the socket before the flush (dropped for a socket that was falling behind).
   */
  static final BiConsumer<Session, List<Part>> TO_SESSION = (s, parts) -> {
    long queuedBefore = s.queuedBytes();
    for (Part p : parts) {
      if (p.keep()) {
        s.send(p.out());
      } else {
        s.offer(p.out(), queuedBefore);
      }
    }
  };

  private final List<Part> parts;
  private final M[] members;
  private final int first;
  private final BiConsumer<M, List<Part>> write;
  private int written;

  /** {@code first}: the member written first, in [0, members.length) (any value for no members). */
  RoomWrite(List<Part> parts, M[] members, int first, BiConsumer<M, List<Part>> write) {
    this.parts = parts;
    this.members = members;
    this.first = first;
    this.write = write;
  }

  /** Writes every frame to the next members until about {@code writes} socket writes were made; returns whether members are left. */
  boolean writeSome(int writes) {
    int budget = writes;
    while (written < members.length && budget > 0) {
      write.accept(members[(first + written++) % members.length], parts);
      budget -= parts.size();
    }
    return written < members.length;
  }
}
