package io.livedesk.server.room;

import com.hazelcast.map.EntryProcessor;
import io.livedesk.protocol.ErrorCode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Set;

/**
 * What the cluster knows about one room, one Hazelcast entry per room (never per viewer): slow
 * mode, mutes, bans, granted moderators, the pin and the last messages. Changed only through the
 * entry processors below, which run atomically on the entry's owner. All of them cross the
 * cluster in Hazelcast Compact ({@link RoomStateFormat}), never in Java serialization, even though
 * {@code EntryProcessor} is {@code Serializable}: a new processor needs its serializer there too.
 */
final class RoomState {

  /** One stored message: its id for deletion, its RoomMessage bytes for replay. */
  record Line(String id, byte[] message) {
  }

  int slowModeSeconds;
  int autoSlowSeconds;
  long autoSlowUntil;
  long rateWindowStart;
  int rateCount;
  /** Who spoke when, kept only while slow mode is on and pruned to its window: the users now talking. */
  final Map<String, Long> lastSaid = new HashMap<>();
  final Map<String, Long> mutedUntil = new HashMap<>();
  final Set<String> banned = new HashSet<>();
  final Set<String> moderators = new HashSet<>();
  /** Users seen here with a moderator, supervisor or admin token: no moderator by grant may silence them. */
  final Set<String> staff = new HashSet<>();
  byte[] pinned;
  final ArrayDeque<Line> history = new ArrayDeque<>();

  int slowSeconds() {
    return Math.max(slowModeSeconds, autoSlowSeconds);
  }

  List<byte[]> historyMessages() {
    List<byte[]> out = new ArrayList<>(history.size());
    history.forEach(l -> out.add(l.message()));
    return out;
  }

  boolean isModerator(String user, boolean byToken) {
    return byToken || moderators.contains(user);
  }

  /**
   * The answer to a say: refused with a code, or accepted with the message as stored (marked when
   * its author moderates the room); and whether automatic slow mode just switched on.
   */
  record Verdict(ErrorCode refused, long waitMs, boolean autoSlowOn, int slowSeconds, boolean moderator) {
  }

  /** Checks a message against bans, mutes and slow mode and, when accepted, appends it to the history. */
  record Say(String user, boolean moderatorByToken, long now, String messageId, byte[] message, int historySize,
             int autoSlowRate, int autoSlowSeconds, long autoSlowHoldMs)
      implements EntryProcessor<String, RoomState, Verdict> {
    @Override
    public Verdict process(Entry<String, RoomState> entry) {
      RoomState s = entry.getValue() == null ? new RoomState() : entry.getValue();
      // Room bans and mutes bind viewers; staff (by token) answer to whoever issued their token.
      if (moderatorByToken && s.staff.add(user)) {
        s.banned.remove(user);
        s.mutedUntil.remove(user);
      }
      if (s.banned.contains(user) && !moderatorByToken) {
        return new Verdict(ErrorCode.BANNED, 0, false, 0, false);
      }
      Long muted = s.mutedUntil.get(user);
      if (muted != null && muted > now && !moderatorByToken) {
        return new Verdict(ErrorCode.MUTED, muted - now, false, 0, false);
      }
      if (muted != null) {
        s.mutedUntil.remove(user);
      }
      if (now - s.rateWindowStart >= 1000) {
        s.rateWindowStart = now;
        s.rateCount = 0;
      }
      boolean switchedOn = false;
      if (autoSlowRate > 0 && ++s.rateCount > autoSlowRate) {
        switchedOn = s.autoSlowSeconds == 0;
        s.autoSlowSeconds = autoSlowSeconds;
        s.autoSlowUntil = now + autoSlowHoldMs;
      }
      int slow = s.slowSeconds();
      boolean moderator = s.isModerator(user, moderatorByToken);
      if (slow == 0) {
        s.lastSaid.clear();
      } else if (!moderator) {
        Long last = s.lastSaid.get(user);
        if (last != null && now - last < slow * 1000L) {
          entry.setValue(s);
          return new Verdict(ErrorCode.SLOW_MODE, slow * 1000L - (now - last), switchedOn, slow, false);
        }
        if (s.lastSaid.size() > 256) {
          s.lastSaid.values().removeIf(t -> now - t >= slow * 1000L);
        }
        s.lastSaid.put(user, now);
      }
      byte[] stored = moderator && !moderatorByToken ? markModerator(message) : message;
      s.history.addLast(new Line(messageId, stored));
      while (s.history.size() > historySize) {
        s.history.removeFirst();
      }
      entry.setValue(s);
      return new Verdict(null, 0, switchedOn, slow, moderator);
    }
  }

  private static byte[] markModerator(byte[] message) {
    try {
      return io.livedesk.protocol.RoomMessage.parseFrom(message).toBuilder().setModerator(true).build().toByteArray();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return message;
    }
  }

  /** Automatic slow mode for a coupon drop; answers whether it was off before. */
  record AutoSlowOn(int seconds, long until) implements EntryProcessor<String, RoomState, Boolean> {
    @Override
    public Boolean process(Entry<String, RoomState> entry) {
      RoomState s = entry.getValue() == null ? new RoomState() : entry.getValue();
      boolean wasOff = s.autoSlowSeconds == 0;
      s.autoSlowSeconds = seconds;
      s.autoSlowUntil = Math.max(s.autoSlowUntil, until);
      entry.setValue(s);
      return wasOff;
    }
  }

  /**
   * Switches automatic slow mode off when its time is up. Answers the ms still to go, 0 when it was
   * not on, or, once switched off, {@code -1 - s} where s is the slow mode a moderator set (still on).
   */
  record AutoSlowOff(long now) implements EntryProcessor<String, RoomState, Long> {
    @Override
    public Long process(Entry<String, RoomState> entry) {
      RoomState s = entry.getValue();
      if (s == null || s.autoSlowSeconds == 0) {
        return 0L;
      }
      if (now < s.autoSlowUntil) {
        return s.autoSlowUntil - now;
      }
      s.autoSlowSeconds = 0;
      entry.setValue(s);
      return -1L - s.slowModeSeconds;
    }
  }

  /**
   * A moderator's action, checked against the room's moderators. Answers null when done, otherwise
   * the refusal. Role checks that need the token (granting moderators) happen before.
   */
  record Moderation(String actor, boolean moderatorByToken, io.livedesk.protocol.ModerationAction action,
                    String user, String messageId, int seconds, long now)
      implements EntryProcessor<String, RoomState, ErrorCode> {
    @Override
    public ErrorCode process(Entry<String, RoomState> entry) {
      RoomState s = entry.getValue() == null ? new RoomState() : entry.getValue();
      if (!s.isModerator(actor, moderatorByToken)) {
        return ErrorCode.FORBIDDEN;
      }
      if (silences(action) && (s.staff.contains(user) || (!moderatorByToken && s.moderators.contains(user)))) {
        // A moderator by grant cannot silence staff or a fellow moderator, nor staff one another here.
        return ErrorCode.FORBIDDEN;
      }
      switch (action) {
        case MUTE -> s.mutedUntil.put(user, now + seconds * 1000L);
        case UNMUTE -> s.mutedUntil.remove(user);
        case BAN -> s.banned.add(user);
        case UNBAN -> s.banned.remove(user);
        case DELETE_MESSAGE -> s.history.removeIf(l -> l.id().equals(messageId));
        case SET_SLOW_MODE -> s.slowModeSeconds = seconds;
        case GRANT_MODERATOR -> s.moderators.add(user);
        case REVOKE_MODERATOR -> s.moderators.remove(user);
        default -> {
          return ErrorCode.INVALID_ARGUMENT;
        }
      }
      entry.setValue(s);
      return null;
    }
  }

  /** Marks a user as staff of the room (their token says moderator, supervisor or admin). */
  record Staff(String user) implements EntryProcessor<String, RoomState, ErrorCode> {
    @Override
    public ErrorCode process(Entry<String, RoomState> entry) {
      RoomState s = entry.getValue() == null ? new RoomState() : entry.getValue();
      if (s.staff.add(user)) {
        s.banned.remove(user);
        s.mutedUntil.remove(user);
        entry.setValue(s);
      }
      return null;
    }
  }

  private static boolean silences(io.livedesk.protocol.ModerationAction action) {
    return action == io.livedesk.protocol.ModerationAction.MUTE || action == io.livedesk.protocol.ModerationAction.BAN;
  }

  /** Sets or clears (null) the pin; moderators only. */
  record PinIt(String actor, boolean moderatorByToken, byte[] pinned) implements EntryProcessor<String, RoomState, ErrorCode> {
    @Override
    public ErrorCode process(Entry<String, RoomState> entry) {
      RoomState s = entry.getValue() == null ? new RoomState() : entry.getValue();
      if (!s.isModerator(actor, moderatorByToken)) {
        return ErrorCode.FORBIDDEN;
      }
      s.pinned = pinned;
      entry.setValue(s);
      return null;
    }
  }
}
