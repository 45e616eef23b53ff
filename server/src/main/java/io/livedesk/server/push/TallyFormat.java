package io.livedesk.server.push;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;

import java.util.List;

/**
 * How a campaign's tally updates and coupon takes cross the cluster: Hazelcast Compact, never Java
 * serialization. The entries themselves ({@code long[]}, {@code int[]}) are Hazelcast built-ins.
 * Type and field names are the wire format: renaming one breaks a rolling upgrade.
 */
public final class TallyFormat {

  private TallyFormat() {
  }

  /** Everything the push concern sends to Hazelcast; {@code ClusterSetup} registers them. */
  public static List<CompactSerializer<?>> serializers() {
    return List.of(new AddFormat(), new TakeFormat(), new TakenFormat(), new GiveBackFormat());
  }

  static final class AddFormat implements CompactSerializer<Tally.Add> {
    @Override
    public Tally.Add read(CompactReader in) {
      return new Tally.Add(in.readArrayOfInt64("delta"));
    }

    @Override
    public void write(CompactWriter out, Tally.Add a) {
      out.writeArrayOfInt64("delta", a.delta());
    }

    @Override
    public String getTypeName() {
      return "livedesk.push.Add";
    }

    @Override
    public Class<Tally.Add> getCompactClass() {
      return Tally.Add.class;
    }
  }

  static final class TakeFormat implements CompactSerializer<Tally.Take> {
    @Override
    public Tally.Take read(CompactReader in) {
      return new Tally.Take(in.readInt32("total"), in.readInt32("counted"));
    }

    @Override
    public void write(CompactWriter out, Tally.Take t) {
      out.writeInt32("total", t.total());
      out.writeInt32("counted", t.counted());
    }

    @Override
    public String getTypeName() {
      return "livedesk.push.Take";
    }

    @Override
    public Class<Tally.Take> getCompactClass() {
      return Tally.Take.class;
    }
  }

  static final class TakenFormat implements CompactSerializer<Tally.Taken> {
    @Override
    public Tally.Taken read(CompactReader in) {
      return new Tally.Taken(in.readInt32("left"), in.readInt32("slot"));
    }

    @Override
    public void write(CompactWriter out, Tally.Taken t) {
      out.writeInt32("left", t.left());
      out.writeInt32("slot", t.slot());
    }

    @Override
    public String getTypeName() {
      return "livedesk.push.Taken";
    }

    @Override
    public Class<Tally.Taken> getCompactClass() {
      return Tally.Taken.class;
    }
  }

  static final class GiveBackFormat implements CompactSerializer<Tally.GiveBack> {
    @Override
    public Tally.GiveBack read(CompactReader in) {
      return new Tally.GiveBack(in.readInt32("slot"));
    }

    @Override
    public void write(CompactWriter out, Tally.GiveBack g) {
      out.writeInt32("slot", g.slot());
    }

    @Override
    public String getTypeName() {
      return "livedesk.push.GiveBack";
    }

    @Override
    public Class<Tally.GiveBack> getCompactClass() {
      return Tally.GiveBack.class;
    }
  }
}
