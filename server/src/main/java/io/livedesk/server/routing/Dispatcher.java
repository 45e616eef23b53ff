package io.livedesk.server.routing;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameException;
import io.livedesk.protocol.Offer;
import io.livedesk.protocol.OfferWithdrawn;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.protocol.SlaAlertKind;
import io.livedesk.server.cluster.Addresses;
import io.livedesk.server.gateway.Delivery;
import io.livedesk.server.metrics.Metrics;
import io.livedesk.server.presence.Agent;
import io.livedesk.server.presence.PresenceConfig;
import io.livedesk.server.presence.Roster;
import io.livedesk.server.store.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The cluster's one active dispatcher. Deployed on every node; only the oldest Hazelcast member
 * (the one Hazelcast itself elects master) is active. It alone changes the queue and the agents'
 * presence, on its own context, so capacity is never exceeded by a race; every change is
 * written through to Hazelcast, so when its node dies the next oldest member reads the shared
 * state back and carries on (within the cluster's failure detection, 5 s).
 *
 * <p>Dispatch is event-driven: an arrival, an agent coming online, a slot freeing up, a declined
 * or lapsed offer each dispatch at once; the slow safety tick only sweeps.
 */
public final class Dispatcher extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final HazelcastInstance hazelcast;
  private final DispatchConfig config;
  private final PresenceConfig presenceConfig;
  private final Delivery delivery;
  private final RoutingEvents events;
  private final Metrics metrics;
  private final SlaCounts sla;
  /** Viewers per room across the cluster, for the supervisors' view. */
  private final Supplier<Map<String, Integer>> roomViewers;
  private final Supplier<Collection<String>> members;

  private WaitingQueue queue;
  private Roster roster;
  private Supervision supervision;
  private final Map<String, PendingOffer> offers = new HashMap<>();
  private final Map<String, String> offerByConversation = new HashMap<>();
  private final Map<String, Set<String>> warned = new HashMap<>();
  private final Map<String, long[]> slaTimers = new HashMap<>();
  private final Map<String, Long> nodeSeen = new HashMap<>();
  private final Metrics.Counter offersMade;
  private MessageConsumer<JsonObject> consumer;
  private boolean leader;
  private boolean takingOver;
  private long viewTimer = -1;
  private long tickTimer = -1;
  private UUID membershipListener;

  private record PendingOffer(String offerId, String conversationId, String agentId, long timer) {
  }

  /**
   * @param members the Vert.x node ids of the cluster's current members (the ids nodes report
   *                their consoles under)
   */
  public Dispatcher(HazelcastInstance hazelcast, Supplier<Collection<String>> members, DispatchConfig config,
                    PresenceConfig presenceConfig, Delivery delivery, RoutingEvents events, Metrics metrics, SlaCounts sla,
                    Supplier<Map<String, Integer>> roomViewers) {
    this.roomViewers = roomViewers;
    this.hazelcast = hazelcast;
    this.members = members;
    this.config = config;
    this.presenceConfig = presenceConfig;
    this.delivery = delivery;
    this.events = events;
    this.metrics = metrics;
    this.sla = sla;
    this.offersMade = metrics.counter("livedesk_offers_total", "offers made to agents by the active dispatcher");
  }

  @Override
  public Future<?> start() {
    metrics.gauge("livedesk_queue_depth", "conversations waiting for an agent (reported by the active dispatcher)",
        () -> leader ? queue.size() : 0);
    // Creating the distributed maps' proxies may ask the cluster: done on a worker, not the event loop.
    return vertx.executeBlocking(() -> {
      queue = new WaitingQueue(hazelcast.getMap(Addresses.QUEUE_MAP), context);
      roster = new Roster(hazelcast.getMap(Addresses.PRESENCE_MAP), context);
      supervision = new Supervision(hazelcast.getMap(Addresses.SUPERVISORS_MAP), context, delivery);
      membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {
          context.runOnContext(v -> checkLeadership());
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
          context.runOnContext(v -> {
            checkLeadership();
            sweepNodes();
            // Vert.x may update its node list just after Hazelcast tells us: look again shortly.
            vertx.setTimer(200, t -> sweepNodes());
          });
        }
      });
      return null;
    }).compose(v -> {
      tickTimer = vertx.setPeriodic(config.safetyTickMs(), id -> tick());
      viewTimer = vertx.setPeriodic(config.viewIntervalMs(), id -> pushView());
      // The first node of a cluster is dispatching by the time it reports started.
      return checkLeadership();
    });
  }


  @Override
  public Future<?> stop() {
    if (membershipListener != null) {
      try {
        hazelcast.getCluster().removeMembershipListener(membershipListener);
      } catch (RuntimeException ignored) {
        // Hazelcast may already be shutting down with the node
      }
    }
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(viewTimer);
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Whether this node's dispatcher is the active one. */
  public boolean active() {
    return leader;
  }

  // ------------------------------------------------------------------ leadership

  private boolean oldestMember() {
    try {
      Set<Member> members = hazelcast.getCluster().getMembers();
      return !members.isEmpty() && members.iterator().next().localMember();
    } catch (RuntimeException e) {
      return false; // Hazelcast shutting down
    }
  }

  private Future<Void> checkLeadership() {
    boolean shouldLead = oldestMember();
    if (shouldLead && !leader && !takingOver) {
      return takeOver();
    } else if (!shouldLead && leader) {
      stepDown();
    }
    return Future.succeededFuture();
  }

  private Future<Void> takeOver() {
    takingOver = true;
    return Future.all(queue.load(), roster.load(), supervision.load())
        .compose(v -> {
          long now = System.currentTimeMillis();
          Set<String> members = memberIds();
          members.forEach(m -> nodeSeen.put(m, now));
          queue.inOrder().forEach(this::scheduleSla);
          consumer = vertx.eventBus().consumer(Addresses.DISPATCHER, this::handle);
          return consumer.completion().map(members);
        })
        .onSuccess(members -> {
          takingOver = false;
          leader = true;
          log.info("dispatcher active on this node: waiting={} agents={}", queue.size(), roster.all().size());
          sweepNodes();
          dispatch();
        })
        .onFailure(e -> {
          takingOver = false;
          log.warn("dispatcher takeover failed, retrying on the next tick", e);
        })
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture());
  }

  private void stepDown() {
    leader = false;
    if (consumer != null) {
      consumer.unregister();
      consumer = null;
    }
    offers.values().forEach(o -> vertx.cancelTimer(o.timer()));
    offers.clear();
    offerByConversation.clear();
    slaTimers.values().forEach(t -> {
      vertx.cancelTimer(t[0]);
      vertx.cancelTimer(t[1]);
    });
    slaTimers.clear();
    warned.clear();
  }

  private Set<String> memberIds() {
    return new HashSet<>(members.get());
  }

  // ------------------------------------------------------------------ requests

  private void handle(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    Future<JsonObject> answer;
    try {
      answer = switch (body.getString("op", "")) {
        case "enqueue" -> enqueue(Waiting.fromJson(body.getJsonObject("entry")));
        case "withdraw" -> withdraw(body.getString("conversationId"));
        case "accept" -> accept(body.getString("agentId"), body.getString("offerId", ""), body.getString("conversationId", ""));
        case "decline" -> decline(body.getString("agentId"), body.getString("offerId"));
        case "release" -> release(body.getString("agentId"), body.getString("conversationId"));
        case "transfer" -> transfer(body.getString("conversationId"), body.getString("fromAgent"), body.getString("toAgent", ""));
        case "assign" -> assign(body.getString("conversationId"), body.getString("agentId"));
        case "status" -> status(body);
        case "consoles" -> consoles(body.getString("agentId"), body.getString("node"), body.getInteger("count", 0));
        case "heartbeat" -> heartbeat(body.getString("node"), body.getJsonObject("agents", new JsonObject()));
        case "watch" -> watch(body.getString("supervisorId"), body.getBoolean("on", true));
        default -> Future.failedFuture(new Refusal(ErrorCode.INVALID_ARGUMENT, "unknown dispatcher op"));
      };
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    answer.onSuccess(msg::reply).onFailure(e -> {
      if (e instanceof Refusal r) {
        msg.fail(r.code.getNumber(), r.getMessage());
      } else if (e instanceof FrameException f) {
        // The lifecycle refused (a conversation closed meanwhile, say): the client sees why.
        msg.fail(f.code().getNumber(), f.getMessage());
      } else if (e instanceof StoreUnavailableException) {
        msg.fail(ErrorCode.STORE_UNAVAILABLE.getNumber(), e.getMessage());
      } else {
        log.warn("dispatcher request {} failed", body.getString("op"), e);
        msg.fail(ErrorCode.INTERNAL.getNumber(), "the dispatcher could not do that: " + e.getMessage());
      }
    });
  }

  /** A refusal the client should see with its code. */
  static final class Refusal extends RuntimeException {
    final ErrorCode code;

    Refusal(ErrorCode code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  private Future<JsonObject> enqueue(Waiting w) {
    cancelOffer(w.conversationId(), "requeued");
    return queue.put(w).map(v -> {
      scheduleSla(w);
      dispatch();
      return new JsonObject();
    });
  }

  private Future<JsonObject> withdraw(String conversationId) {
    cancelOffer(conversationId, "closed");
    withdrawWarnings(conversationId, null, "closed");
    cancelSla(conversationId);
    return queue.remove(conversationId).map(w -> new JsonObject().put("wasWaiting", w != null));
  }

  private Future<JsonObject> accept(String agentId, String offerId, String conversationId) {
    PendingOffer offer = offers.get(offerId);
    String cid = offer != null ? offer.conversationId() : conversationId;
    Waiting w = cid == null ? null : queue.get(cid);
    if (w == null) {
      return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "the conversation is no longer waiting"));
    }
    Agent agent = roster.get(agentId);
    if (agent == null || agent.status() != PresenceStatus.ONLINE) {
      return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "go online before accepting"));
    }
    String pending = offerByConversation.get(cid);
    PendingOffer current = pending == null ? null : offers.get(pending);
    boolean mine = current != null && current.agentId().equals(agentId);
    boolean warnedMe = warned.getOrDefault(cid, Set.of()).contains(agentId);
    if (!mine && !warnedMe) {
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

  /** Hands a waiting conversation to the agent: the one path for accept and a supervisor's assignment. */
  private Future<JsonObject> activate(Waiting w, Agent agent, String withdrawReason) {
    String cid = w.conversationId();
    cancelOffer(cid, withdrawReason, agent.id());
    withdrawWarnings(cid, agent.id(), withdrawReason);
    cancelSla(cid);
    long now = System.currentTimeMillis();
    boolean met = w.slaPending() && now <= w.deadline().dueAt();
    Waiting held = (w.slaPending() ? w.slaSettled() : w).withoutTried();
    if (met) {
      sla.met(w.tier());
    }
    agent.active().put(cid, held);
    return Future.all(queue.remove(cid), roster.save(agent))
        .compose(v -> events.assigned(held, agent, met, now))
        .map(c -> new JsonObject().put("conversation", Base64.getEncoder().encodeToString(c.toByteArray())));
  }

  private Future<JsonObject> decline(String agentId, String offerId) {
    PendingOffer offer = offers.get(offerId);
    if (offer == null || !offer.agentId().equals(agentId)) {
      return Future.failedFuture(new Refusal(ErrorCode.NOT_FOUND, "no such offer for you"));
    }
    return lapse(offer, "declined").map(new JsonObject());
  }

  private Future<JsonObject> release(String agentId, String conversationId) {
    Agent agent = roster.get(agentId);
    if (agent == null || agent.active().remove(conversationId) == null) {
      return Future.succeededFuture(new JsonObject());
    }
    return roster.save(agent).map(v -> {
      dispatch();
      return new JsonObject();
    });
  }

  private Future<JsonObject> transfer(String conversationId, String fromAgent, String toAgent) {
    Agent from = roster.get(fromAgent);
    Waiting w = from == null ? null : from.active().get(conversationId);
    if (w == null) {
      return Future.failedFuture(new Refusal(ErrorCode.NOT_FOUND, "you do not hold this conversation"));
    }
    if (!toAgent.isEmpty()) {
      Agent to = roster.get(toAgent);
      if (to == null || to.status() != PresenceStatus.ONLINE || to.nodes().isEmpty()) {
        return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "the agent " + toAgent + " is not online"));
      }
      if (to.active().size() >= to.capacity() || !to.hasSkill(w.skill())) {
        return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "the agent " + toAgent + " cannot take it now"));
      }
      from.active().remove(conversationId);
      to.active().put(conversationId, w);
      return Future.all(roster.save(from), roster.save(to))
          .compose(v -> events.assigned(w, to, false, System.currentTimeMillis()))
          .map(c -> {
            dispatch();
            return new JsonObject();
          });
    }
    from.active().remove(conversationId);
    Waiting back = w.withTried(fromAgent);
    return Future.all(roster.save(from), queue.put(back))
        .compose(v -> events.requeued(back, "transferred"))
        .map(v -> {
          scheduleSla(back);
          dispatch();
          return new JsonObject();
        });
  }

  private Future<JsonObject> assign(String conversationId, String agentId) {
    Waiting w = queue.get(conversationId);
    if (w == null) {
      return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "the conversation is not waiting"));
    }
    Agent agent = roster.get(agentId);
    if (agent == null || agent.status() != PresenceStatus.ONLINE || agent.nodes().isEmpty()) {
      return Future.failedFuture(new Refusal(ErrorCode.CONFLICT, "the agent " + agentId + " is not online"));
    }
    return activate(w, agent, "assigned by a supervisor");
  }

  private Future<JsonObject> status(JsonObject body) {
    String agentId = body.getString("agentId");
    Agent agent = roster.getOrCreate(agentId);
    PresenceStatus status = PresenceStatus.valueOf(body.getString("status"));
    Set<String> skills = new LinkedHashSet<>();
    body.getJsonArray("skills", new JsonArray()).forEach(s -> skills.add(s.toString()));
    agent.setStatus(status, body.getInteger("capacity", agent.capacity()), skills, body.getString("name"));
    agent.consoles(body.getString("node"), body.getInteger("count", 1), System.currentTimeMillis());
    if (status != PresenceStatus.ONLINE) {
      new ArrayList<>(offers.values()).stream().filter(o -> o.agentId().equals(agentId)).forEach(o -> lapse(o, "went " + status.name().toLowerCase()));
    }
    return roster.save(agent).map(v -> {
      dispatch();
      return new JsonObject().put("status", Base64.getEncoder().encodeToString(agent.toStatus().toByteArray()));
    });
  }

  private Future<JsonObject> consoles(String agentId, String node, int count) {
    Agent agent = roster.get(agentId);
    if (agent == null) {
      return Future.succeededFuture(new JsonObject());
    }
    agent.consoles(node, count, System.currentTimeMillis());
    return roster.save(agent).map(new JsonObject());
  }

  /** A node's report of its connected agents: keeps them present, and notices consoles that vanished. */
  private Future<JsonObject> heartbeat(String node, JsonObject counts) {
    long now = System.currentTimeMillis();
    nodeSeen.put(node, now);
    for (Agent agent : roster.all()) {
      int reported = counts.getInteger(agent.id(), 0);
      boolean listed = agent.nodes().contains(node);
      if (reported > 0 != listed) {
        agent.consoles(node, reported, now);
        roster.save(agent);
      }
    }
    return Future.succeededFuture(new JsonObject());
  }

  private Future<JsonObject> watch(String supervisorId, boolean on) {
    return supervision.watch(supervisorId, on).map(v -> {
      if (on) {
        pushView();
      }
      return new JsonObject();
    });
  }

  // ------------------------------------------------------------------ dispatching

  /** Offers every waiting conversation it can, in dispatch order (most urgent tier, then earliest deadline). */
  private void dispatch() {
    if (!leader) {
      return;
    }
    for (Waiting w : queue.inOrder()) {
      if (offerByConversation.containsKey(w.conversationId())) {
        continue;
      }
      Agent agent = pick(w);
      if (agent != null) {
        offer(w, agent);
      }
    }
  }

  private int load(Agent a) {
    int offered = 0;
    for (PendingOffer o : offers.values()) {
      if (o.agentId().equals(a.id())) {
        offered++;
      }
    }
    return a.active().size() + offered;
  }

  private boolean eligible(Agent a, Waiting w) {
    return a.status() == PresenceStatus.ONLINE && !a.nodes().isEmpty() && a.hasSkill(w.skill()) && load(a) < a.capacity();
  }

  /** The previous agent when eligible, else the least loaded eligible agent who has not passed on it. */
  private Agent pick(Waiting w) {
    if (!w.preferAgent().isEmpty()) {
      Agent previous = roster.get(w.preferAgent());
      if (previous != null && eligible(previous, w) && !w.tried().contains(previous.id())) {
        return previous;
      }
    }
    return roster.all().stream()
        .filter(a -> !w.tried().contains(a.id()) && eligible(a, w))
        .min(Comparator.comparingInt(this::load).thenComparing(Agent::id))
        .orElse(null);
  }

  private void offer(Waiting w, Agent agent) {
    String offerId = UUID.randomUUID().toString();
    long expiresAt = System.currentTimeMillis() + config.offerTimeoutMs();
    long timer = vertx.setTimer(config.offerTimeoutMs(), t -> {
      PendingOffer o = offers.get(offerId);
      if (o != null) {
        delivery.toUser(o.agentId(), withdrawn(offerId, o.conversationId(), "timeout"));
        lapse(o, "timeout");
      }
    });
    offers.put(offerId, new PendingOffer(offerId, w.conversationId(), agent.id(), timer));
    offerByConversation.put(w.conversationId(), offerId);
    offersMade.inc();
    delivery.toUser(agent.id(), Frame.newBuilder().setOffer(Offer.newBuilder().setOfferId(offerId)
        .setConversation(w.conversation()).setExpiresAt(expiresAt)).build());
    events.offered(w, agent.id(), System.currentTimeMillis());
  }

  /** An offer that was declined or ran out: the agent is passed over and the next one tried. */
  private Future<Void> lapse(PendingOffer o, String reason) {
    removeOffer(o);
    Waiting w = queue.get(o.conversationId());
    if (w == null) {
      return Future.succeededFuture();
    }
    Waiting next = w.withTried(o.agentId());
    return queue.put(next).compose(v -> events.requeued(next, reason)).onComplete(ar -> dispatch());
  }

  private void removeOffer(PendingOffer o) {
    vertx.cancelTimer(o.timer());
    offers.remove(o.offerId());
    offerByConversation.remove(o.conversationId(), o.offerId());
  }

  private void cancelOffer(String conversationId, String reason) {
    cancelOffer(conversationId, reason, null);
  }

  /** Withdraws a pending offer, telling its agent unless it is the agent now taking the conversation. */
  private void cancelOffer(String conversationId, String reason, String takenBy) {
    String offerId = offerByConversation.get(conversationId);
    PendingOffer o = offerId == null ? null : offers.get(offerId);
    if (o != null) {
      removeOffer(o);
      if (!o.agentId().equals(takenBy)) {
        delivery.toUser(o.agentId(), withdrawn(o.offerId(), conversationId, reason));
      }
    }
  }

  private void withdrawWarnings(String conversationId, String takenBy, String reason) {
    Set<String> agents = warned.remove(conversationId);
    if (agents != null) {
      agents.stream().filter(a -> !a.equals(takenBy))
          .forEach(a -> delivery.toUser(a, withdrawn("warning-" + conversationId, conversationId, reason)));
    }
  }

  private static Frame withdrawn(String offerId, String conversationId, String reason) {
    return Frame.newBuilder().setOfferWithdrawn(OfferWithdrawn.newBuilder().setOfferId(offerId)
        .setConversationId(conversationId).setReason(reason)).build();
  }

  // ------------------------------------------------------------------ deadlines

  private void scheduleSla(Waiting w) {
    cancelSla(w.conversationId());
    if (!w.slaPending()) {
      return;
    }
    long now = System.currentTimeMillis();
    long warnIn = w.deadline().warnAt(config.warnAtPercent()) - now;
    long breachIn = w.deadline().dueAt() - now;
    String cid = w.conversationId();
    long warnTimer = vertx.setTimer(Math.max(1, warnIn), t -> warn(cid));
    long breachTimer = vertx.setTimer(Math.max(1, breachIn), t -> breach(cid));
    slaTimers.put(cid, new long[] {warnTimer, breachTimer});
  }

  private void cancelSla(String conversationId) {
    long[] timers = slaTimers.remove(conversationId);
    if (timers != null) {
      vertx.cancelTimer(timers[0]);
      vertx.cancelTimer(timers[1]);
    }
  }

  /** Halfway to the deadline: every eligible agent sees it, and so do supervisors. */
  private void warn(String conversationId) {
    Waiting w = queue.get(conversationId);
    if (!leader || w == null || !w.slaPending()) {
      return;
    }
    Frame offer = Frame.newBuilder().setOffer(Offer.newBuilder().setOfferId("warning-" + conversationId)
        .setConversation(w.conversation()).setExpiresAt(w.deadline().dueAt()).setWarning(true)).build();
    Set<String> shown = warned.computeIfAbsent(conversationId, c -> new HashSet<>());
    roster.all().stream().filter(a -> eligible(a, w)).forEach(a -> {
      shown.add(a.id());
      delivery.toUser(a.id(), offer);
    });
    alert(SlaAlertKind.WARNING, w);
  }

  private void breach(String conversationId) {
    Waiting w = queue.get(conversationId);
    if (!leader || w == null || !w.slaPending()) {
      return;
    }
    long now = System.currentTimeMillis();
    Waiting settled = w.slaSettled();
    slaTimers.remove(conversationId);
    sla.breached(w.tier());
    // Recorded first, then pushed: a supervisor who looks finds it on record.
    queue.put(settled).compose(v -> events.breached(settled, now))
        .onFailure(e -> log.warn("could not record the breach of {}", conversationId, e))
        .onComplete(ar -> alert(SlaAlertKind.BREACH, w));
  }

  private void alert(SlaAlertKind kind, Waiting w) {
    supervision.alert(kind, w.conversation());
  }

  // ------------------------------------------------------------------ sweeping

  private void tick() {
    checkLeadership();
    if (!leader) {
      return;
    }
    long now = System.currentTimeMillis();
    sweepNodes();
    for (Agent a : roster.all()) {
      if (a.nodes().isEmpty() && a.goneSince() > 0 && now - a.goneSince() >= presenceConfig.timeoutMs()) {
        agentLost(a);
      }
    }
    // Agents who passed on a conversation are asked again once nobody else took it.
    for (Waiting w : queue.inOrder()) {
      if (!w.tried().isEmpty() && !offerByConversation.containsKey(w.conversationId()) && pick(w) == null) {
        queue.put(w.withoutTried());
      }
    }
    events.housekeeping(now)
        .onSuccess(late -> late.forEach(c -> supervision.alert(SlaAlertKind.BREACH, c)))
        .onFailure(e -> log.warn("housekeeping failed", e));
    dispatch();
  }

  /** Forgets nodes that left the cluster or stopped reporting. */
  private void sweepNodes() {
    if (!leader || takingOver) {
      return;
    }
    long now = System.currentTimeMillis();
    Set<String> current = memberIds();
    Set<String> gone = new HashSet<>();
    nodeSeen.forEach((node, seen) -> {
      if (!current.contains(node) || now - seen > presenceConfig.timeoutMs()) {
        gone.add(node);
      }
    });
    roster.all().forEach(a -> a.nodes().stream().filter(n -> !current.contains(n)).forEach(gone::add));
    nodesGone(gone);
  }

  /** Nodes that left or fell silent: their consoles are gone, and agents with none left go offline at once. */
  private void nodesGone(Set<String> nodes) {
    if (nodes.isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    nodes.forEach(nodeSeen::remove);
    for (Agent a : new ArrayList<>(roster.all())) {
      boolean had = a.nodes().stream().anyMatch(nodes::contains);
      a.forgetNodes(nodes, now);
      if (had && a.nodes().isEmpty()) {
        agentLost(a);
      } else if (had) {
        roster.save(a);
      }
    }
  }

  /** The agent has no console anywhere: offline, and their conversations go back with their original deadlines. */
  private void agentLost(Agent a) {
    if (a.status() == PresenceStatus.OFFLINE && a.active().isEmpty()) {
      return;
    }
    log.info("agent {} lost; re-queuing {} conversations", a.id(), a.active().size());
    a.goOffline();
    new ArrayList<>(offers.values()).stream().filter(o -> o.agentId().equals(a.id())).forEach(o -> lapse(o, "agent offline"));
    // Back in dispatch order: urgent first.
    List<Waiting> held = new ArrayList<>(a.active().values());
    held.sort(Waiting.DISPATCH_ORDER);
    a.active().clear();
    roster.save(a);
    for (Waiting w : held) {
      Waiting back = w.withTried(a.id());
      queue.put(back).compose(v -> events.requeued(back, "agent offline"));
      scheduleSla(back);
    }
    dispatch();
  }

  private void pushView() {
    if (leader) {
      supervision.pushView(queue.inOrder(), roster.all(), sla, roomViewers.get());
    }
  }
}
