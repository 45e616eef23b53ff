package io.livedesk.server.room;

import io.livedesk.server.gateway.Outgoing;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Pong;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A flush goes round the members from where it starts, in turns, each member once with every frame in order. */
class RoomWriteTest {

  private static final RoomWrite.Part A = new RoomWrite.Part(Outgoing.toMany(Frame.newBuilder().setPong(Pong.newBuilder().setClientTime(1)).build()), false);
  private static final RoomWrite.Part B = new RoomWrite.Part(Outgoing.toMany(Frame.newBuilder().setPong(Pong.newBuilder().setClientTime(2)).build()), true);

  @Test
  void aFlushStartsAtItsFirstMemberGoesRoundAndWritesEachOnceWithEveryFrameInOrder() {
    Integer[] members = IntStream.range(0, 10).boxed().toArray(Integer[]::new);
    List<String> writes = new ArrayList<>();
    RoomWrite<Integer> write = new RoomWrite<>(List.of(A, B), members, 7, (m, parts) -> parts.forEach(p -> writes.add(m + (p == A ? "a" : "b"))));

    assertTrue(write.writeSome(6), "three members (six writes) in the first turn, seven left");
    assertEquals(List.of("7a", "7b", "8a", "8b", "9a", "9b"), writes);
    while (write.writeSome(6)) {
      // the next turns
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int m = (7 + i) % 10;
      expected.add(m + "a");
      expected.add(m + "b");
    }
    assertEquals(expected, writes);
    assertFalse(write.writeSome(6), "nothing is written twice");
    assertEquals(20, writes.size());
  }

  @Test
  void successiveFlushesOfARoomDoNotAllStartAtTheSameMember() {
    // what RoomFanout does for each flush: the viewers written first (and last) change from one to the next
    Set<Integer> firsts = new HashSet<>();
    Integer[] members = IntStream.range(0, 2500).boxed().toArray(Integer[]::new);
    for (int flush = 0; flush < 20; flush++) {
      List<Integer> order = new ArrayList<>();
      RoomWrite<Integer> write = RoomFanout.roomWrite(List.of(A), members, (m, parts) -> order.add(m));
      while (write.writeSome(256)) {
        // turns
      }
      assertEquals(2500, new HashSet<>(order).size());
      firsts.add(order.get(0));
    }
    assertTrue(firsts.size() > 1, "20 flushes all started at member " + firsts);
  }

  @Test
  void aPassOverMembersForAPushVisitsEachOnceAndDoesNotAlwaysStartAtTheSameOne() {
    // Members.Room.forEachMember (a room-wide coupon, a viewer count) goes round the same way
    Integer[] members = IntStream.range(0, 2500).boxed().toArray(Integer[]::new);
    Set<Integer> firsts = new HashSet<>();
    for (int pass = 0; pass < 20; pass++) {
      List<Integer> order = new ArrayList<>();
      Members.goRound(members, order::add);
      assertEquals(2500, order.size());
      assertEquals(2500, new HashSet<>(order).size());
      for (int i = 1; i < order.size(); i++) {
        assertEquals((order.get(i - 1) + 1) % 2500, order.get(i), "round from where it starts");
      }
      firsts.add(order.get(0));
    }
    assertTrue(firsts.size() > 1, "20 passes all started at member " + firsts);
    Members.goRound(new Integer[0], m -> {
      throw new AssertionError("visited " + m);
    });
  }

  @Test
  void aRoomPartWithNoMembersWritesNothing() {
    RoomWrite<Integer> write = RoomFanout.roomWrite(List.of(A), new Integer[0], (m, parts) -> {
      throw new AssertionError("written to " + m);
    });
    assertFalse(write.writeSome(256));
  }
}
