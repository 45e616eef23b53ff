package io.livedesk.server.routing;

import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameException;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.protocol.SlaOutcome;
import io.livedesk.server.presence.Agent;
import io.livedesk.server.presence.PresenceConfig;
import io.livedesk.server.presence.Roster;
import io.livedesk.server.routing.DispatchMessage.Accept;
import io.livedesk.server.routing.DispatchMessage.Assign;
import io.livedesk.server.routing.DispatchMessage.Assigned;
import io.livedesk.server.routing.DispatchMessage.Closed;
import io.livedesk.server.routing.DispatchMessage.Consoles;
import io.livedesk.server.routing.DispatchMessage.Decline;
import io.livedesk.server.routing.DispatchMessage.Done;
import io.livedesk.server.routing.DispatchMessage.Enqueue;
import io.livedesk.server.routing.DispatchMessage.Heartbeat;
import io.livedesk.server.routing.DispatchMessage.Reply;
import io.livedesk.server.routing.DispatchMessage.Request;
import io.livedesk.server.routing.DispatchMessage.SetStatus;
import io.livedesk.server.routing.DispatchMessage.StatusNow;
import io.livedesk.server.routing.DispatchMessage.Transfer;
import io.livedesk.server.routing.DispatchMessage.Watch;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The active dispatcher's state and its answers to requests: the queue, the roster, the open
 * offers, deadlines. It alone changes them, on one context (or the simulation's one thread), so
 * capacity is never exceeded by a race; nothing here knows Vert.x timers, the event bus or
 * Hazelcast ({@link Dispatcher} wires those in), which is what lets the simulation run it.
 *
 * <p>Its concerns live apart: {@link Offers} (who is offered what), {@link SlaClock} (warnings and
 * breaches), {@link Sweeps} (lost nodes and agents, the safety tick), {@link Recovery} (rebuilding
 * from the record when it takes over), {@link Supervision} (what supervisors see).
 */
public final class Routing {

  private static final Logger log = LoggerFactory.getLogger(Routing.class);

  final DispatchConfig config;
  final PresenceConfig presenceConfig;
  final RoutingEvents events;
  final SlaCounts sla;
  final Timers timers;
  final BiConsumer<String, Frame> toUser;
  final WaitingQueue queue;
  final Roster roster;
  final Supervision supervision;
  final Offers offers;
  final SlaClock clock;
  final Sweeps sweeps;
  final Recovery recovery;
  private final Supplier<Map<String, Integer>> roomViewers;
  /** Conversations back in the queue whose record does not say so yet: not offered until it does. */
  final Set<String> settling = new java.util.HashSet<>();
  /**
   * Conversations this dispatcher saw closed, newest last: an enqueue resent after the close (a
   * retry that timed out and arrived late) must not queue a closed conversation again.
   */
  private final Map<String, Boolean> closedRecently = new java.util.LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > 10_000;
    }
  };

  /** The shared copies this dispatcher writes through to. */
  public record Shared(SharedMap queue, SharedMap roster, SharedMap offers, SharedMap supervisors) {
  }

  public Routing(Shared shared, DispatchConfig config, PresenceConfig presenceConfig, RoutingEvents events, SlaCounts sla,
                 Timers timers, BiConsumer<String, Frame> toUser, Runnable offerMade, Supplier<Set<String>> members,
                 Supplier<Map<String, Integer>> roomViewers) {
    this.roomViewers = roomViewers;
    this.config = config;
    this.presenceConfig = presenceConfig;
    this.events = events;
    this.sla = sla;
    this.timers = timers;
    this.toUser = toUser;
    this.queue = new WaitingQueue(shared.queue());
    this.roster = new Roster(shared.roster());
    this.supervision = new Supervision(shared.supervisors(), toUser);
    this.offers = new Offers(this, new OfferBook(shared.offers()), offerMade);
    this.clock = new SlaClock(this);
    this.sweeps = new Sweeps(this, members);
    this.recovery = new Recovery(this);
  }

  /**
   * Takes over: reads the shared copies back, rebuilds and reconciles them with the record, and
   * starts the clocks. Nothing is asked of this dispatcher until it answers, so the rebuild races
   * no request.
   */
  public Future<Void> takeOver() {
    return Future.all(queue.load(), roster.load(), offers.load(), supervision.load())
        .compose(v -> recovery.rebuild())
        .map(v -> {
          offers.reopen();
          queue.inOrder().forEach(clock::schedule);
          sweeps.start();
          dispatch();
          log.info("dispatcher active: waiting={} offered={} agents={}", queue.size(), offers.size(), roster.all().size());
          return null;
        });
  }

  /** Stops every clock; the shared copies stay for the next dispatcher. */
  public void stop() {
    offers.stop();
    clock.stop();
  }

  public int waiting() {
    return queue.size();
  }

  public void tick() {
    sweeps.tick();
  }

  public void pushView() {
    supervision.pushView(queue.inOrder(), roster.all(), sla, roomViewers.get());
  }

  // ------------------------------------------------------------------ requests

  public Future<Reply> handle(Request request) {
    try {
      if (request instanceof Enqueue e) {
        return enqueue(e.entry());
      } else if (request instanceof Closed c) {
        return closed(c.conversationId());
      } else if (request instanceof Accept a) {
        return accept(a);
      } else if (request instanceof Decline d) {
        return decline(d);
      } else if (request instanceof Transfer t) {
        return transfer(t);
      } else if (request instanceof Assign a) {
        return assign(a);
      } else if (request instanceof SetStatus s) {
        return status(s);
      } else if (request instanceof Consoles c) {
        return consoles(c);
      } else if (request instanceof Heartbeat h) {
        sweeps.heartbeat(h.node(), h.consoles());
        return done();
      } else if (request instanceof Watch w) {
        return supervision.watch(w.supervisorId(), w.on()).map(v -> {
          if (w.on()) {
            pushView();
          }
          return new Done();
        });
      }
      return Future.failedFuture(new Refusal(ErrorCode.INVALID_ARGUMENT, "unknown dispatcher request"));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static Future<Reply> done() {
    return Future.succeededFuture(new Done());
  }

  private Future<Reply> enqueue(Waiting w) {
    String cid = w.conversationId();
    if (closedRecently.containsKey(cid) || roster.holderOf(cid) != null) {
      // A raised tier (or a resent enqueue) that arrives after an agent took it: nothing to queue.
      return done();
    }
    Waiting old = queue.get(cid);
    Waiting entry = w;
    if (old != null) {
      // An outcome already recorded stays recorded; agents who passed stay passed.
      entry = new Waiting(cid, w.customerId(), w.tier(), w.rank(), w.skill(), w.deadline(), w.slaPending() && old.slaPending(),
          w.preferAgent(), w.conversation(), old.tried());
      if (old.rank() != entry.rank() || !old.deadline().equals(entry.deadline())) {
        offers.withdraw(cid, "requeued", null);
      }
    }
    queue.put(entry);
    clock.schedule(entry);
    dispatch();
    return done();
  }

  /** Closed, whatever the closer saw: out of the queue, the offer withdrawn, the agent's seat freed. */
  private Future<Reply> closed(String conversationId) {
    closedRecently.put(conversationId, true);
    forget(conversationId, "closed");
    dispatch();
    return done();
  }

  /** The conversation is no longer routed: neither waiting, nor offered, nor held. */
  void forget(String conversationId, String reason) {
    offers.withdraw(conversationId, reason, null);
    offers.withdrawWarnings(conversationId, null, reason);
    clock.cancel(conversationId);
    queue.remove(conversationId);
    settling.remove(conversationId);
    Agent holder = roster.holderOf(conversationId);
    if (holder != null) {
      roster.letGo(holder, conversationId);
      roster.save(holder);
    }
  }

  private Future<Reply> accept(Accept a) {
    OfferBook.PendingOffer offer = offers.get(a.offerId());
    String cid = offer != null ? offer.conversationId() : a.conversationId();
    Waiting w = cid == null ? null : queue.get(cid);
    if (w == null) {
      return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "the conversation is no longer waiting"));
    }
    Agent agent = roster.get(a.agentId());
    if (agent == null || agent.status() != PresenceStatus.ONLINE) {
      return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "go online before accepting"));
    }
    OfferBook.PendingOffer current = offers.forConversation(cid);
    boolean mine = current != null && current.agentId().equals(a.agentId());
    if (!mine && !offers.warned(cid, a.agentId())) {
      return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, current == null
          ? "this offer is no longer open" : "the conversation is offered to another agent"));
    }
    if (!agent.hasSkill(w.skill())) {
      return Future.failedFuture(new Refusal(ErrorCode.FORBIDDEN, "this conversation needs the skill " + w.skill()));
    }
    if (agent.active().size() >= agent.capacity()) {
      return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "you are at capacity"));
    }
    return activate(w, agent, "taken");
  }

  private Future<Reply> assign(Assign a) {
    Waiting w = queue.get(a.conversationId());
    if (w == null) {
      return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "the conversation is not waiting"));
    }
    Agent agent = roster.get(a.agentId());
    if (agent == null || agent.status() != PresenceStatus.ONLINE || agent.nodes().isEmpty()) {
      return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "the agent " + a.agentId() + " is not online"));
    }
    return activate(w, agent, "assigned by a supervisor");
  }

  /**
   * Hands a waiting conversation to the agent: the one path for accept and a supervisor's
   * assignment. The seat is taken at once (so no other decision can give it away) and given back
   * when the record refuses: a conversation closed meanwhile is dropped, one the store could not
   * take goes back to waiting with its deadline.
   */
  private Future<Reply> activate(Waiting w, Agent agent, String withdrawReason) {
    String cid = w.conversationId();
    if (settling.contains(cid)) {
      // Its record still says it is with the previous agent; a write racing that one could land first.
      return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "the conversation is being queued again; try again"));
    }
    offers.withdraw(cid, withdrawReason, agent.id());
    offers.withdrawWarnings(cid, agent.id(), withdrawReason);
    clock.cancel(cid);
    long now = timers.now();
    boolean met = w.slaPending() && now <= w.deadline().dueAt();
    // Taken after the deadline but before the breach was recorded: it is still a breach.
    Future<Void> late = w.slaPending() && !met ? clock.recordBreach(w, now) : Future.succeededFuture();
    Waiting held = w.slaSettled().withoutTried();
    queue.remove(cid);
    roster.hold(agent, held);
    roster.save(agent);
    // A warned agent's accept withdrew another agent's offer: that seat is free again.
    dispatch();
    return late.compose(v -> events.assigned(held, agent, "", met, now))
        .map(c -> {
          if (met && c.getSla() == SlaOutcome.MET) {
            // Counted when the record took it: an outcome already there (a breach) is not counted again.
            sla.met(w.tier());
          } else if (met && c.getSla() == SlaOutcome.PENDING) {
            // The record's deadline had moved earlier (a raised tier) and passed: a breach after all.
            clock.recordBreach(w, now);
          }
          if (roster.holderOf(cid) != agent && queue.contains(cid)) {
            // The agent was lost while the record was written: the record follows the queue again,
            // and no offer goes out until it has.
            settling.add(cid);
            recordRequeue(cid, "agent offline");
          }
          return (Reply) new Assigned(c);
        })
        .recover(e -> {
          if (roster.holderOf(cid) == agent) {
            roster.letGo(agent, cid);
            roster.save(agent);
            if (!closedMeanwhile(e)) {
              log.warn("could not hand {} to {}; it waits again", cid, agent.id(), e);
              queue.put(w);
              clock.schedule(w);
            }
            dispatch();
          } else if (w.slaPending() && queue.contains(cid) && !queue.get(cid).slaPending()) {
            // Its agent was lost while the record was written, and it went back as if the SLA were
            // settled; the record never took the hand-over, so its deadline still runs.
            Waiting pending = new Waiting(cid, w.customerId(), w.tier(), w.rank(), w.skill(), w.deadline(), true,
                w.preferAgent(), w.conversation(), queue.get(cid).tried());
            queue.put(pending);
            clock.schedule(pending);
          }
          return Future.failedFuture(e);
        });
  }

  private static boolean closedMeanwhile(Throwable e) {
    return e instanceof FrameException f && f.code() == ErrorCode.CONFLICT;
  }

  private Future<Reply> decline(Decline d) {
    OfferBook.PendingOffer offer = offers.get(d.offerId());
    if (offer == null || !offer.agentId().equals(d.agentId())) {
      return Future.failedFuture(new Refusal(ErrorCode.NOT_FOUND, "no such offer for you"));
    }
    offers.lapse(offer, "declined");
    return done();
  }

  private Future<Reply> transfer(Transfer t) {
    Agent from = roster.get(t.fromAgent());
    Waiting w = from == null ? null : from.active().get(t.conversationId());
    if (w == null) {
      return Future.failedFuture(new Refusal(ErrorCode.NOT_FOUND, "you do not hold this conversation"));
    }
    String cid = t.conversationId();
    if (!t.toAgent().isEmpty()) {
      Agent to = roster.get(t.toAgent());
      if (to == null || to.status() != PresenceStatus.ONLINE || to.nodes().isEmpty()) {
        return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "the agent " + t.toAgent() + " is not online"));
      }
      if (to.active().size() >= to.capacity() || !to.hasSkill(w.skill())) {
        return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "the agent " + t.toAgent() + " cannot take it now"));
      }
      roster.letGo(from, cid);
      roster.hold(to, w);
      roster.save(from);
      roster.save(to);
      dispatch();
      return events.assigned(w, to, from.id(), false, timers.now())
          .map(c -> {
            dispatch();
            return (Reply) new Done();
          })
          .recover(e -> {
            if (roster.holderOf(cid) == to) {
              roster.letGo(to, cid);
              roster.save(to);
              if (!closedMeanwhile(e) && from.status() != PresenceStatus.OFFLINE) {
                roster.hold(from, w);
                roster.save(from);
              } else if (!closedMeanwhile(e)) {
                requeue(w.withTried(from.id()), "transferred");
              }
            }
            dispatch();
            return Future.failedFuture(e);
          });
    }
    roster.letGo(from, cid);
    roster.save(from);
    requeue(w.withTried(t.fromAgent()), "transferred");
    return done();
  }

  /**
   * Back into the queue with its deadline; dropped again if the record says it was closed. Not
   * offered until the record says it waits (the record refuses an offer of a conversation it
   * still has with an agent, which would read as closed); the rest of the queue is dispatched at
   * once, so a seat this frees is not left idle meanwhile. A write the store refuses is retried.
   */
  void requeue(Waiting back, String reason) {
    String cid = back.conversationId();
    queue.put(back);
    clock.schedule(back);
    settling.add(cid);
    dispatch();
    recordRequeue(cid, reason);
  }

  void recordRequeue(String cid, String reason) {
    Waiting w = queue.get(cid);
    if (w == null) {
      settling.remove(cid);
      return;
    }
    events.requeued(w, reason).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("could not record {} waiting again; trying again", cid, ar.cause());
        timers.after(config.safetyTickMs(), () -> recordRequeue(cid, reason));
        return;
      }
      settling.remove(cid);
      if (!ar.result() && queue.contains(cid)) {
        forget(cid, "closed");
      }
      dispatch();
    });
  }

  private Future<Reply> status(SetStatus s) {
    Agent agent = roster.getOrCreate(s.agentId());
    agent.setStatus(s.status(), s.capacity(), new LinkedHashSet<>(s.skills()), s.name());
    agent.consoles(s.node(), s.consoles(), timers.now());
    if (s.status() != PresenceStatus.ONLINE) {
      offers.toAgent(agent.id()).forEach(o -> offers.lapse(o, "went " + s.status().name().toLowerCase()));
    }
    roster.save(agent);
    dispatch();
    return Future.succeededFuture(new StatusNow(agent.toStatus()));
  }

  private Future<Reply> consoles(Consoles c) {
    Agent agent = roster.get(c.agentId());
    if (agent != null) {
      agent.consoles(c.node(), c.count(), timers.now());
      roster.save(agent);
      // A console back on a node may make the agent eligible again.
      dispatch();
    }
    return done();
  }

  /** Offers every waiting conversation it can, in dispatch order. */
  void dispatch() {
    offers.dispatch();
  }
}
