package io.livedesk.server.routing;

import io.livedesk.protocol.ConversationState;
import io.livedesk.server.presence.Agent;
import io.livedesk.server.routing.OfferBook.PendingOffer;
import io.livedesk.server.routing.RoutingEvents.Routed;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * MongoDB is the record; Hazelcast only a fast copy that a restart of the whole cluster wipes and
 * a torn write can leave behind. When a dispatcher takes over (first start, restart, a whole
 * cluster's restart, failover) it rebuilds the waiting, offered and held conversations from the
 * record, with their original deadlines and SLA state, and makes the shared copy agree:
 * <ul>
 *   <li>waiting or offered on record but not queued: queued (a restart lost the queue);</li>
 *   <li>offered on record with no open offer: waiting again (the offer died with its dispatcher);</li>
 *   <li>queued but closed or held on record: out of the queue;</li>
 *   <li>held by an agent but not on record as theirs: their seat is freed;</li>
 *   <li>held on record but by nobody here: the agent holds it again (their load is honest), and if
 *       they never come back it returns to the queue as any lost agent's does.</li>
 * </ul>
 * Run before the dispatcher answers anything, so it races no request. When the record cannot be
 * read then, the dispatcher starts from the shared copy and the tick retries, adding only what is
 * missing (what it would remove might have changed since it was read).
 */
final class Recovery {

  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  private final Routing routing;
  private boolean pending;
  private boolean running;

  Recovery(Routing routing) {
    this.routing = routing;
  }

  Future<Void> rebuild() {
    return routing.events.routable()
        .map(record -> {
          reconcile(record, true);
          return (Void) null;
        })
        .recover(e -> {
          log.warn("cannot read the routing record now; starting from the shared copy and retrying", e);
          pending = true;
          return Future.succeededFuture();
        });
  }

  /** From the tick: a rebuild that could not read the record tries again. */
  void retry() {
    if (!pending || running) {
      return;
    }
    running = true;
    routing.events.routable()
        .onSuccess(record -> {
          pending = false;
          reconcile(record, false);
          routing.dispatch();
        })
        .onFailure(e -> log.warn("still cannot read the routing record", e))
        .onComplete(ar -> running = false);
  }

  /** @param exclusive whether nothing changed since the record was read, so what it lacks may be removed */
  private void reconcile(List<Routed> record, boolean exclusive) {
    long now = routing.timers.now();
    Map<String, Routed> byId = new HashMap<>();
    record.forEach(r -> byId.put(r.entry().conversationId(), r));
    int queued = 0;
    int requeued = 0;
    int dropped = 0;
    int freed = 0;
    int held = 0;
    if (exclusive) {
      for (Waiting w : routing.queue.inOrder()) {
        Routed r = byId.get(w.conversationId());
        if (r == null || r.state() == ConversationState.ACTIVE) {
          routing.offers.withdraw(w.conversationId(), "closed", null);
          routing.queue.remove(w.conversationId());
          dropped++;
        }
      }
      for (Agent a : new ArrayList<>(routing.roster.all())) {
        boolean changed = false;
        for (String cid : List.copyOf(a.active().keySet())) {
          Routed r = byId.get(cid);
          if (r == null || r.state() != ConversationState.ACTIVE || !a.id().equals(r.agentId())) {
            routing.roster.letGo(a, cid);
            changed = true;
            freed++;
          }
        }
        if (changed) {
          routing.roster.save(a);
        }
      }
    }
    for (Routed r : record) {
      Waiting recorded = r.entry();
      String cid = recorded.conversationId();
      if (r.state() == ConversationState.ACTIVE) {
        if (!exclusive || r.agentId().isEmpty()) {
          continue;
        }
        Agent holder = routing.roster.holderOf(cid);
        // Held with the record's SLA state: one still pending (a hand-over recorded after its
        // deadline moved) is a breach once past, and keeps running if the agent never returns.
        if (holder == null) {
          Agent agent = routing.roster.getOrCreate(r.agentId());
          routing.roster.hold(agent, recorded);
          agent.missingSince(now);
          routing.roster.save(agent);
          held++;
        } else if (recorded.slaPending() && !holder.active().get(cid).slaPending()) {
          routing.roster.hold(holder, recorded);
          routing.roster.save(holder);
        }
        if (recorded.slaPending() && now > recorded.deadline().dueAt()) {
          routing.clock.recordBreach(recorded, now);
        }
        continue;
      }
      if (routing.roster.holderOf(cid) != null) {
        continue; // taken since the record was read
      }
      Waiting queuedNow = routing.queue.get(cid);
      if (queuedNow == null) {
        routing.queue.put(recorded);
        if (!exclusive) {
          routing.clock.schedule(recorded); // a takeover schedules every entry once rebuilt; a late retry must do its own
        }
        queued++;
      } else {
        // The record wins on tier, deadline and SLA (a raised tier or a recorded breach the copy
        // missed); the copy keeps who passed on it and whom the customer prefers.
        Waiting merged = new Waiting(cid, recorded.customerId(), recorded.tier(), recorded.rank(), recorded.skill(),
            recorded.deadline(), recorded.slaPending() && queuedNow.slaPending(), queuedNow.preferAgent(),
            recorded.conversation(), queuedNow.tried());
        if (!merged.equals(queuedNow)) {
          routing.queue.put(merged);
          if (!exclusive) {
            routing.clock.schedule(merged);
          }
        }
      }
      PendingOffer offer = routing.offers.forConversation(cid);
      if (exclusive && r.state() == ConversationState.OFFERED && offer == null) {
        // Not offered again until the record says waiting: that write must not land after a new offer's.
        routing.settling.add(cid);
        routing.recordRequeue(cid, "offer lost");
        requeued++;
      }
    }
    log.info("routing rebuilt from the record: {} recorded, {} queued again, {} offers lost, {} dropped, {} seats freed, {} held again",
        record.size(), queued, requeued, dropped, freed, held);
  }
}
