package io.livedesk.server.routing;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Offer;
import io.livedesk.protocol.OfferWithdrawn;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.server.presence.Agent;
import io.livedesk.server.routing.OfferBook.PendingOffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Who is offered what: the dispatch pass (most urgent tier first, then earliest deadline; the
 * previous agent when eligible, else the least loaded), exclusive offers and their timeouts,
 * declines, and the warnings that show a late conversation to every eligible agent.
 */
final class Offers {

  private static final Logger log = LoggerFactory.getLogger(Offers.class);

  private final Routing routing;
  private final OfferBook book;
  private final Runnable offerMade;
  private final Map<String, Long> timers = new HashMap<>();
  private final Map<String, Set<String>> warned = new HashMap<>();

  Offers(Routing routing, OfferBook book, Runnable offerMade) {
    this.routing = routing;
    this.book = book;
    this.offerMade = offerMade;
  }

  io.vertx.core.Future<Void> load() {
    return book.load();
  }

  /**
   * After a takeover: an offer the previous dispatcher made stays open until its original expiry
   * when its conversation still waits and its agent can still take it; any other is withdrawn.
   */
  void reopen() {
    long now = routing.timers.now();
    for (PendingOffer o : book.all()) {
      Waiting w = routing.queue.get(o.conversationId());
      Agent agent = routing.roster.get(o.agentId());
      if (w == null || agent == null || agent.status() != PresenceStatus.ONLINE || agent.nodes().isEmpty()) {
        book.close(o);
        routing.toUser.accept(o.agentId(), withdrawn(o.offerId(), o.conversationId(), "dispatcher changed"));
      } else {
        timers.put(o.offerId(), routing.timers.after(Math.max(1, o.expiresAt() - now), () -> expire(o.offerId())));
      }
    }
  }

  void stop() {
    timers.values().forEach(routing.timers::cancel);
    timers.clear();
    warned.clear();
  }

  int size() {
    return book.size();
  }

  PendingOffer get(String offerId) {
    return book.get(offerId);
  }

  PendingOffer forConversation(String conversationId) {
    return book.forConversation(conversationId);
  }

  List<PendingOffer> toAgent(String agentId) {
    return book.toAgent(agentId);
  }

  List<PendingOffer> all() {
    return book.all();
  }

  boolean warned(String conversationId, String agentId) {
    return warned.getOrDefault(conversationId, Set.of()).contains(agentId);
  }

  void resync() {
    book.resync();
  }

  // ------------------------------------------------------------------ the dispatch pass

  /** Conversations held plus offers open: what counts against an agent's capacity. */
  int load(Agent a) {
    return a.active().size() + book.openTo(a.id());
  }

  boolean eligible(Agent a, Waiting w) {
    return a.status() == PresenceStatus.ONLINE && !a.nodes().isEmpty() && a.hasSkill(w.skill()) && load(a) < a.capacity();
  }

  /**
   * Offers every waiting conversation it can, in dispatch order. Only agents with a free seat are
   * considered, and the pass ends when none is left, so a long queue with every agent busy costs
   * next to nothing.
   */
  void dispatch() {
    List<Agent> free = new ArrayList<>();
    for (Agent a : routing.roster.all()) {
      if (a.status() == PresenceStatus.ONLINE && !a.nodes().isEmpty() && load(a) < a.capacity()) {
        free.add(a);
      }
    }
    if (free.isEmpty()) {
      return;
    }
    List<Waiting> offered = new ArrayList<>();
    List<Agent> to = new ArrayList<>();
    for (Waiting w : routing.queue.ordered()) {
      if (book.forConversation(w.conversationId()) != null || routing.settling.contains(w.conversationId())) {
        continue;
      }
      Agent agent = pick(w, free);
      if (agent != null) {
        offered.add(w);
        to.add(agent);
        // Counted at once, so the rest of the pass sees the seat taken.
        book.open(new PendingOffer(UUID.randomUUID().toString(), w.conversationId(), agent.id(),
            routing.timers.now() + routing.config.offerTimeoutMs()));
        if (load(agent) >= agent.capacity()) {
          free.remove(agent);
          if (free.isEmpty()) {
            break;
          }
        }
      }
    }
    // Told after the pass: what an offer sets off (a refused record, say) must not change the queue mid-pass.
    for (int i = 0; i < offered.size(); i++) {
      announce(offered.get(i), to.get(i));
    }
  }

  /** The previous agent when eligible, else the least loaded eligible agent who has not passed on it. */
  Agent pick(Waiting w, List<Agent> candidates) {
    if (!w.preferAgent().isEmpty() && !w.tried().contains(w.preferAgent())) {
      Agent previous = routing.roster.get(w.preferAgent());
      if (previous != null && eligible(previous, w)) {
        return previous;
      }
    }
    Agent best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (Agent a : candidates) {
      if (w.tried().contains(a.id()) || !eligible(a, w)) {
        continue;
      }
      int load = load(a);
      if (load < bestLoad || (load == bestLoad && a.id().compareTo(best.id()) < 0)) {
        best = a;
        bestLoad = load;
      }
    }
    return best;
  }

  Agent pick(Waiting w) {
    return pick(w, new ArrayList<>(routing.roster.all()));
  }

  private void announce(Waiting w, Agent agent) {
    PendingOffer o = book.forConversation(w.conversationId());
    if (o == null || !o.agentId().equals(agent.id())) {
      return; // withdrawn already by what an earlier announcement set off
    }
    timers.put(o.offerId(), routing.timers.after(routing.config.offerTimeoutMs(), () -> expire(o.offerId())));
    offerMade.run();
    routing.toUser.accept(agent.id(), Frame.newBuilder().setOffer(Offer.newBuilder().setOfferId(o.offerId())
        .setConversation(w.conversation()).setExpiresAt(o.expiresAt())).build());
    String cid = w.conversationId();
    routing.events.offered(w, agent.id(), routing.timers.now()).onComplete(ar -> {
      if (ar.succeeded() && !ar.result()) {
        // Closed before it could be offered (a resent enqueue of a closed conversation, say): never
        // offer it again. Only while this offer stands: an answer to an older offer, landing after
        // the conversation was taken and queued again, says nothing about it now.
        PendingOffer still = book.forConversation(cid);
        if (still != null && still.offerId().equals(o.offerId())) {
          routing.forget(cid, "closed");
          routing.dispatch();
        }
      } else if (ar.failed()) {
        // The record still says waiting, which recovery treats alike: the offer stands.
        log.warn("could not record the offer of {}", cid, ar.cause());
      }
    });
  }

  private void expire(String offerId) {
    timers.remove(offerId);
    PendingOffer o = book.get(offerId);
    if (o != null) {
      routing.toUser.accept(o.agentId(), withdrawn(offerId, o.conversationId(), "timeout"));
      lapse(o, "timeout");
    }
  }

  /** An offer that was declined or ran out: the agent is passed over and the next one tried. */
  void lapse(PendingOffer o, String reason) {
    close(o);
    Waiting w = routing.queue.get(o.conversationId());
    if (w != null) {
      routing.requeue(w.withTried(o.agentId()), reason);
    }
  }

  private void close(PendingOffer o) {
    Long timer = timers.remove(o.offerId());
    if (timer != null) {
      routing.timers.cancel(timer);
    }
    book.close(o);
  }

  /** Withdraws a pending offer, telling its agent unless it is the agent now taking the conversation. */
  void withdraw(String conversationId, String reason, String takenBy) {
    PendingOffer o = book.forConversation(conversationId);
    if (o != null) {
      close(o);
      if (!o.agentId().equals(takenBy)) {
        routing.toUser.accept(o.agentId(), withdrawn(o.offerId(), conversationId, reason));
      }
    }
  }

  // ------------------------------------------------------------------ warnings

  /** Halfway to the deadline: every eligible agent sees it. */
  void warn(Waiting w) {
    Frame offer = Frame.newBuilder().setOffer(Offer.newBuilder().setOfferId("warning-" + w.conversationId())
        .setConversation(w.conversation()).setExpiresAt(w.deadline().dueAt()).setWarning(true)).build();
    Set<String> shown = warned.computeIfAbsent(w.conversationId(), c -> new HashSet<>());
    for (Agent a : routing.roster.all()) {
      if (eligible(a, w)) {
        shown.add(a.id());
        routing.toUser.accept(a.id(), offer);
      }
    }
  }

  void withdrawWarnings(String conversationId, String takenBy, String reason) {
    Set<String> agents = warned.remove(conversationId);
    if (agents != null) {
      agents.stream().filter(a -> !a.equals(takenBy))
          .forEach(a -> routing.toUser.accept(a, withdrawn("warning-" + conversationId, conversationId, reason)));
    }
  }

  static Frame withdrawn(String offerId, String conversationId, String reason) {
    return Frame.newBuilder().setOfferWithdrawn(OfferWithdrawn.newBuilder().setOfferId(offerId)
        .setConversationId(conversationId).setReason(reason)).build();
  }
}
