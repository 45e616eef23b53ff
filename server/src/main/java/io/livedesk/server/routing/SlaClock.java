package io.livedesk.server.routing;

import io.livedesk.protocol.SlaAlertKind;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * The first-response deadlines of waiting conversations: the warning at {@code warnAtPercent}
 * of the budget, the breach at the deadline. A deadline that passed while no dispatcher ran (a
 * restart) fires at once when the next one schedules it: a breach, recorded then, not forgotten.
 * A breach is counted only when the record took it, so an outcome is never counted twice.
 */
final class SlaClock {

  private static final Logger log = LoggerFactory.getLogger(SlaClock.class);

  private final Routing routing;
  private final Map<String, long[]> timers = new HashMap<>();

  SlaClock(Routing routing) {
    this.routing = routing;
  }

  void schedule(Waiting w) {
    cancel(w.conversationId());
    if (!w.slaPending()) {
      return;
    }
    long now = routing.timers.now();
    String cid = w.conversationId();
    long warn = routing.timers.after(Math.max(1, w.deadline().warnAt(routing.config.warnAtPercent()) - now), () -> warn(cid));
    long breach = routing.timers.after(Math.max(1, w.deadline().dueAt() - now), () -> breach(cid));
    timers.put(cid, new long[] {warn, breach});
  }

  void cancel(String conversationId) {
    long[] t = timers.remove(conversationId);
    if (t != null) {
      routing.timers.cancel(t[0]);
      routing.timers.cancel(t[1]);
    }
  }

  void stop() {
    timers.values().forEach(t -> {
      routing.timers.cancel(t[0]);
      routing.timers.cancel(t[1]);
    });
    timers.clear();
  }

  private void warn(String conversationId) {
    Waiting w = routing.queue.get(conversationId);
    if (w == null || !w.slaPending()) {
      return;
    }
    routing.offers.warn(w);
    routing.supervision.alert(SlaAlertKind.WARNING, w.conversation());
  }

  private void breach(String conversationId) {
    long[] t = timers.remove(conversationId);
    if (t != null) {
      routing.timers.cancel(t[0]);
    }
    Waiting w = routing.queue.get(conversationId);
    if (w == null || !w.slaPending()) {
      return;
    }
    recordBreach(w, routing.timers.now()).onFailure(e -> {
      // The record did not take it: try again shortly, while it still waits.
      Waiting still = routing.queue.get(conversationId);
      if (still != null && still.slaPending() && !timers.containsKey(conversationId)) {
        long retry = routing.timers.after(routing.config.safetyTickMs(), () -> breach(conversationId));
        timers.put(conversationId, new long[] {retry, retry});
      }
    });
  }

  /**
   * Records the breach (first on record, then pushed: a supervisor who looks finds it), then
   * settles the queue entry's SLA. Counted only when this write is the one that recorded it.
   */
  Future<Void> recordBreach(Waiting w, long at) {
    String cid = w.conversationId();
    return routing.events.breached(w, at)
        .onSuccess(recorded -> {
          Waiting now = routing.queue.get(cid);
          if (now != null && now.slaPending()) {
            routing.queue.put(now.slaSettled());
          }
          if (recorded) {
            routing.sla.breached(w.tier());
            routing.supervision.alert(SlaAlertKind.BREACH, w.conversation());
          }
        })
        .onFailure(e -> log.warn("could not record the breach of {}", cid, e))
        .mapEmpty();
  }
}
