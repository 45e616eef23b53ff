package io.livedesk.server.push;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * At most K pushes per user per hour, and never one campaign twice, for the users whose sessions
 * are on this node (a user's sessions are on one node almost always). Only users who received a
 * push in the last hour cost anything: K timestamps and campaign ids.
 */
final class FrequencyCap {

  private static final long HOUR_MS = TimeUnit.HOURS.toMillis(1);

  private static final class Recent {
    final long[] at;
    final String[] campaigns;
    int next;

    Recent(int k) {
      at = new long[k];
      campaigns = new String[k];
    }

    boolean has(String campaignId) {
      return Arrays.asList(campaigns).contains(campaignId);
    }

    int since(long from) {
      int n = 0;
      for (long t : at) {
        if (t > 0 && t >= from) {
          n++;
        }
      }
      return n;
    }

    long latest() {
      return Arrays.stream(at).max().orElse(0);
    }
  }

  private final int perHour;
  private final Map<String, Recent> byUser = new ConcurrentHashMap<>();

  FrequencyCap(int perHour) {
    this.perHour = perHour;
  }

  /** Records a push to the user if the caps allow it; answers whether they do. */
  boolean allow(String userId, String campaignId, long now) {
    boolean[] allowed = {false};
    byUser.compute(userId, (u, r) -> {
      Recent recent = r == null ? new Recent(perHour) : r;
      if (!recent.has(campaignId) && recent.since(now - HOUR_MS) < perHour) {
        recent.at[recent.next] = now;
        recent.campaigns[recent.next] = campaignId;
        recent.next = (recent.next + 1) % perHour;
        allowed[0] = true;
      }
      return recent;
    });
    return allowed[0];
  }

  /** Forgets users with nothing in the last hour. */
  void prune(long now) {
    byUser.values().removeIf(r -> r.latest() < now - HOUR_MS);
  }
}
