package io.livedesk.server.privacy;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;

import java.util.List;

/**
 * How the retention job's lease crosses the cluster: Hazelcast Compact, never Java serialization.
 * Type and field names are the wire format: renaming one breaks a rolling upgrade.
 */
public final class RetentionFormat {

  private RetentionFormat() {
  }

  /** Everything the privacy concern sends to Hazelcast; {@code ClusterSetup} registers them. */
  public static List<CompactSerializer<?>> serializers() {
    return List.of(new LeaseFormat());
  }

  static final class LeaseFormat implements CompactSerializer<Retention.Lease> {
    @Override
    public Retention.Lease read(CompactReader in) {
      return new Retention.Lease(in.readInt64("now"), in.readInt64("until"));
    }

    @Override
    public void write(CompactWriter out, Retention.Lease l) {
      out.writeInt64("now", l.now());
      out.writeInt64("until", l.until());
    }

    @Override
    public String getTypeName() {
      return "livedesk.privacy.Lease";
    }

    @Override
    public Class<Retention.Lease> getCompactClass() {
      return Retention.Lease.class;
    }
  }
}
