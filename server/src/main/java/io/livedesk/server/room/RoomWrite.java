package io.livedesk.server.room;

import io.livedesk.server.gateway.Outgoing;
import io.livedesk.server.gateway.Session;

import java.util.List;

/**
 * One flush of a room's part on one event loop, written to its members a turn at a time: the
 * frames, in order, and the members as they were when it started, so that the turns in between
 * (a join, a leave) change nothing in it. Touched only on that loop.
 */
final class RoomWrite {

  /** A frame of the flush: messages are best effort (dropped for a full socket), notices and pins are not. */
  record Part(Outgoing out, boolean keep) {
  }

  private final List<Part> parts;
  private final Session[] members;
  private int next;

  RoomWrite(List<Part> parts, Session[] members) {
    this.parts = parts;
    this.members = members;
  }

  /** Writes every frame to the next members until about {@code writes} socket writes were made; returns whether members are left. */
  boolean writeSome(int writes) {
    int budget = writes;
    while (next < members.length && budget > 0) {
      Session s = members[next++];
      for (Part p : parts) {
        if (p.keep()) {
          s.send(p.out());
        } else {
          s.offer(p.out());
        }
      }
      budget -= parts.size();
    }
    return next < members.length;
  }
}
