package io.livedesk.server.gateway;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.RoomMessage;
import io.livedesk.server.metrics.Metrics;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Room messages to a socket are judged by what it had queued when a flush began: a socket keeping
 * up takes the whole flush even while its writes are still in flight (io_uring reaps them after the
 * turn), one that was behind sheds it, and a best-effort frame is dropped rather than close the
 * connection at the hard cap.
 */
class SessionOfferTest {

  /** A socket whose writes stay queued until {@link #complete()}, as on io_uring before the loop reaps them. */
  private static final class HeldLink implements Link {
    final List<Runnable> inFlight = new ArrayList<>();
    int writes;
    Integer closedWith;

    @Override
    public void write(boolean text, byte[] payload, Runnable written) {
      writes++;
      inFlight.add(written);
    }

    @Override
    public void writeFramed(ByteBuf frame, Runnable written) {
      writes++;
      frame.release();
      inFlight.add(written);
    }

    @Override
    public void ping() {
    }

    @Override
    public void close(int code, String reason) {
      closedWith = code;
    }

    void complete() {
      inFlight.forEach(Runnable::run);
      inFlight.clear();
    }
  }

  private final Metrics metrics = new Metrics();
  private final HeldLink link = new HeldLink();
  /** Best effort past 1,000 queued bytes; closed past 5,000. */
  private final Session session = new Session("s1", link, Encoding.PROTOBUF, metrics, new TokenBucket(100, 100, 0), 0, 1_000, 5_000);

  private static Outgoing message(int textBytes) {
    return Outgoing.toMany(Frame.newBuilder().setRoomMessage(RoomMessage.newBuilder().setRoomId("r").setText("x".repeat(textBytes))).build());
  }

  @Test
  void aSocketThatWasKeepingUpTakesTheWholeFlushWhileItsWritesAreInFlight() {
    long before = session.queuedBytes();
    for (int i = 0; i < 4; i++) {
      assertTrue(session.offer(message(600), before), "frame " + i + " of the flush");
    }
    assertEquals(4, link.writes);
    assertTrue(session.queuedBytes() > 2_000, "all four still in flight: " + session.queuedBytes());
    assertEquals(0, metrics.droppedCount(Frame.BodyCase.ROOM_MESSAGE));
  }

  @Test
  void aSocketThatWasBehindWhenTheFlushBeganShedsItCounted() {
    session.offer(message(600), 0);
    session.offer(message(600), 0);
    long before = session.queuedBytes(); // over 1,000: behind
    assertFalse(session.offer(message(100), before));
    assertEquals(1, metrics.droppedCount(Frame.BodyCase.ROOM_MESSAGE));
    link.complete(); // it caught up
    assertTrue(session.offer(message(100), session.queuedBytes()));
  }

  @Test
  void aFlushLargerThanTheHardCapIsCutThereWithoutClosingTheConnection() {
    int written = 0;
    for (int i = 0; i < 20; i++) {
      if (session.offer(message(600), 0)) {
        written++;
      }
    }
    assertTrue(written >= 7 && written < 20, "written up to the 5,000-byte cap: " + written);
    assertTrue(session.queuedBytes() <= 5_000, "queued " + session.queuedBytes());
    assertEquals(20 - written, metrics.droppedCount(Frame.BodyCase.ROOM_MESSAGE));
    assertTrue(session.isOpen());
    assertEquals(null, link.closedWith);
  }
}
