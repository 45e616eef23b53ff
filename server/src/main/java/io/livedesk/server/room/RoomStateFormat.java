package io.livedesk.server.room;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.ModerationAction;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * How a room's state, its entry processors and their answers cross the cluster: Hazelcast
 * Compact, field by field, never Java serialization (which would let whoever reaches the cluster
 * port have any class on the class path deserialized). Type and field names are the wire format:
 * renaming one breaks a rolling upgrade.
 */
public final class RoomStateFormat {

  private RoomStateFormat() {
  }

  /** Everything the room concern sends to Hazelcast; {@code ClusterSetup} registers them. */
  public static List<CompactSerializer<?>> serializers() {
    return List.of(new State(), new LineFormat(), new VerdictFormat(), new Refusal(), new SayFormat(),
        new AutoSlowOnFormat(), new AutoSlowOffFormat(), new ModerationFormat(), new StaffFormat(), new PinItFormat());
  }

  static final class State implements CompactSerializer<RoomState> {
    @Override
    public RoomState read(CompactReader in) {
      RoomState s = new RoomState();
      s.slowModeSeconds = in.readInt32("slowModeSeconds");
      s.autoSlowSeconds = in.readInt32("autoSlowSeconds");
      s.autoSlowUntil = in.readInt64("autoSlowUntil");
      s.rateWindowStart = in.readInt64("rateWindowStart");
      s.rateCount = in.readInt32("rateCount");
      readTimes(in, "lastSaid", s.lastSaid);
      readTimes(in, "mutedUntil", s.mutedUntil);
      Collections.addAll(s.banned, in.readArrayOfString("banned"));
      Collections.addAll(s.moderators, in.readArrayOfString("moderators"));
      Collections.addAll(s.staff, in.readArrayOfString("staff"));
      s.pinned = in.readArrayOfInt8("pinned");
      Collections.addAll(s.history, in.readArrayOfCompact("history", RoomState.Line.class));
      return s;
    }

    @Override
    public void write(CompactWriter out, RoomState s) {
      out.writeInt32("slowModeSeconds", s.slowModeSeconds);
      out.writeInt32("autoSlowSeconds", s.autoSlowSeconds);
      out.writeInt64("autoSlowUntil", s.autoSlowUntil);
      out.writeInt64("rateWindowStart", s.rateWindowStart);
      out.writeInt32("rateCount", s.rateCount);
      writeTimes(out, "lastSaid", s.lastSaid);
      writeTimes(out, "mutedUntil", s.mutedUntil);
      out.writeArrayOfString("banned", s.banned.toArray(String[]::new));
      out.writeArrayOfString("moderators", s.moderators.toArray(String[]::new));
      out.writeArrayOfString("staff", s.staff.toArray(String[]::new));
      out.writeArrayOfInt8("pinned", s.pinned);
      out.writeArrayOfCompact("history", s.history.toArray(RoomState.Line[]::new));
    }

    @Override
    public String getTypeName() {
      return "livedesk.room.State";
    }

    @Override
    public Class<RoomState> getCompactClass() {
      return RoomState.class;
    }
  }

  /** A user-to-time map as two parallel arrays: Compact has no map type. */
  private static void writeTimes(CompactWriter out, String name, Map<String, Long> times) {
    String[] users = new String[times.size()];
    long[] at = new long[times.size()];
    int i = 0;
    for (Map.Entry<String, Long> e : times.entrySet()) {
      users[i] = e.getKey();
      at[i++] = e.getValue();
    }
    out.writeArrayOfString(name + "Users", users);
    out.writeArrayOfInt64(name + "At", at);
  }

  private static void readTimes(CompactReader in, String name, Map<String, Long> into) {
    String[] users = in.readArrayOfString(name + "Users");
    long[] at = in.readArrayOfInt64(name + "At");
    for (int i = 0; i < users.length; i++) {
      into.put(users[i], at[i]);
    }
  }

  static final class LineFormat implements CompactSerializer<RoomState.Line> {
    @Override
    public RoomState.Line read(CompactReader in) {
      return new RoomState.Line(in.readString("id"), in.readArrayOfInt8("message"));
    }

    @Override
    public void write(CompactWriter out, RoomState.Line l) {
      out.writeString("id", l.id());
      out.writeArrayOfInt8("message", l.message());
    }

    @Override
    public String getTypeName() {
      return "livedesk.room.Line";
    }

    @Override
    public Class<RoomState.Line> getCompactClass() {
      return RoomState.Line.class;
    }
  }

  static final class VerdictFormat implements CompactSerializer<RoomState.Verdict> {
    @Override
    public RoomState.Verdict read(CompactReader in) {
      return new RoomState.Verdict(errorCode(in.readNullableInt32("refused")), in.readInt64("waitMs"),
          in.readBoolean("autoSlowOn"), in.readInt32("slowSeconds"), in.readBoolean("moderator"));
    }

    @Override
    public void write(CompactWriter out, RoomState.Verdict v) {
      out.writeNullableInt32("refused", v.refused() == null ? null : v.refused().getNumber());
      out.writeInt64("waitMs", v.waitMs());
      out.writeBoolean("autoSlowOn", v.autoSlowOn());
      out.writeInt32("slowSeconds", v.slowSeconds());
      out.writeBoolean("moderator", v.moderator());
    }

    @Override
    public String getTypeName() {
      return "livedesk.room.Verdict";
    }

    @Override
    public Class<RoomState.Verdict> getCompactClass() {
      return RoomState.Verdict.class;
    }
  }

  private static ErrorCode errorCode(Integer number) {
    return number == null ? null : ErrorCode.forNumber(number);
  }

  /**
   * Moderation, pins and staff marks answer with the refusal's code (or null when done); as an
   * enum it would otherwise travel by class name through Hazelcast's enum serializer.
   */
  static final class Refusal implements CompactSerializer<ErrorCode> {
    @Override
    public ErrorCode read(CompactReader in) {
      return ErrorCode.forNumber(in.readInt32("code"));
    }

    @Override
    public void write(CompactWriter out, ErrorCode code) {
      out.writeInt32("code", code.getNumber());
    }

    @Override
    public String getTypeName() {
      return "livedesk.Refusal";
    }

    @Override
    public Class<ErrorCode> getCompactClass() {
      return ErrorCode.class;
    }
  }

  static final class SayFormat implements CompactSerializer<RoomState.Say> {
    @Override
    public RoomState.Say read(CompactReader in) {
      return new RoomState.Say(in.readString("user"), in.readBoolean("moderatorByToken"), in.readInt64("now"),
          in.readString("messageId"), in.readArrayOfInt8("message"), in.readInt32("historySize"),
          in.readInt32("autoSlowRate"), in.readInt32("autoSlowSeconds"), in.readInt64("autoSlowHoldMs"));
    }

    @Override
    public void write(CompactWriter out, RoomState.Say s) {
      out.writeString("user", s.user());
      out.writeBoolean("moderatorByToken", s.moderatorByToken());
      out.writeInt64("now", s.now());
      out.writeString("messageId", s.messageId());
      out.writeArrayOfInt8("message", s.message());
      out.writeInt32("historySize", s.historySize());
      out.writeInt32("autoSlowRate", s.autoSlowRate());
      out.writeInt32("autoSlowSeconds", s.autoSlowSeconds());
      out.writeInt64("autoSlowHoldMs", s.autoSlowHoldMs());
    }

    @Override
    public String getTypeName() {
      return "livedesk.room.Say";
    }

    @Override
    public Class<RoomState.Say> getCompactClass() {
      return RoomState.Say.class;
    }
  }

  static final class AutoSlowOnFormat implements CompactSerializer<RoomState.AutoSlowOn> {
    @Override
    public RoomState.AutoSlowOn read(CompactReader in) {
      return new RoomState.AutoSlowOn(in.readInt32("seconds"), in.readInt64("until"));
    }

    @Override
    public void write(CompactWriter out, RoomState.AutoSlowOn a) {
      out.writeInt32("seconds", a.seconds());
      out.writeInt64("until", a.until());
    }

    @Override
    public String getTypeName() {
      return "livedesk.room.AutoSlowOn";
    }

    @Override
    public Class<RoomState.AutoSlowOn> getCompactClass() {
      return RoomState.AutoSlowOn.class;
    }
  }

  static final class AutoSlowOffFormat implements CompactSerializer<RoomState.AutoSlowOff> {
    @Override
    public RoomState.AutoSlowOff read(CompactReader in) {
      return new RoomState.AutoSlowOff(in.readInt64("now"));
    }

    @Override
    public void write(CompactWriter out, RoomState.AutoSlowOff a) {
      out.writeInt64("now", a.now());
    }

    @Override
    public String getTypeName() {
      return "livedesk.room.AutoSlowOff";
    }

    @Override
    public Class<RoomState.AutoSlowOff> getCompactClass() {
      return RoomState.AutoSlowOff.class;
    }
  }

  static final class ModerationFormat implements CompactSerializer<RoomState.Moderation> {
    @Override
    public RoomState.Moderation read(CompactReader in) {
      return new RoomState.Moderation(in.readString("actor"), in.readBoolean("moderatorByToken"),
          ModerationAction.forNumber(in.readInt32("action")), in.readString("user"), in.readString("messageId"),
          in.readInt32("seconds"), in.readInt64("now"));
    }

    @Override
    public void write(CompactWriter out, RoomState.Moderation m) {
      out.writeString("actor", m.actor());
      out.writeBoolean("moderatorByToken", m.moderatorByToken());
      out.writeInt32("action", m.action().getNumber());
      out.writeString("user", m.user());
      out.writeString("messageId", m.messageId());
      out.writeInt32("seconds", m.seconds());
      out.writeInt64("now", m.now());
    }

    @Override
    public String getTypeName() {
      return "livedesk.room.Moderation";
    }

    @Override
    public Class<RoomState.Moderation> getCompactClass() {
      return RoomState.Moderation.class;
    }
  }

  static final class StaffFormat implements CompactSerializer<RoomState.Staff> {
    @Override
    public RoomState.Staff read(CompactReader in) {
      return new RoomState.Staff(in.readString("user"));
    }

    @Override
    public void write(CompactWriter out, RoomState.Staff s) {
      out.writeString("user", s.user());
    }

    @Override
    public String getTypeName() {
      return "livedesk.room.Staff";
    }

    @Override
    public Class<RoomState.Staff> getCompactClass() {
      return RoomState.Staff.class;
    }
  }

  static final class PinItFormat implements CompactSerializer<RoomState.PinIt> {
    @Override
    public RoomState.PinIt read(CompactReader in) {
      return new RoomState.PinIt(in.readString("actor"), in.readBoolean("moderatorByToken"), in.readArrayOfInt8("pinned"));
    }

    @Override
    public void write(CompactWriter out, RoomState.PinIt p) {
      out.writeString("actor", p.actor());
      out.writeBoolean("moderatorByToken", p.moderatorByToken());
      out.writeArrayOfInt8("pinned", p.pinned());
    }

    @Override
    public String getTypeName() {
      return "livedesk.room.PinIt";
    }

    @Override
    public Class<RoomState.PinIt> getCompactClass() {
      return RoomState.PinIt.class;
    }
  }
}
