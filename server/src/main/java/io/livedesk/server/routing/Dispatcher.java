package io.livedesk.server.routing;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.FrameException;
import io.livedesk.server.cluster.Addresses;
import io.livedesk.server.gateway.Delivery;
import io.livedesk.server.metrics.Metrics;
import io.livedesk.server.presence.PresenceConfig;
import io.livedesk.server.store.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The cluster's one active dispatcher: leadership and the wiring of {@link Routing} to Vert.x.
 * Deployed on every node; only the oldest Hazelcast member (the one Hazelcast itself elects
 * master) is active. On taking over it builds a fresh {@link Routing} from the shared copies in
 * Hazelcast and the record in MongoDB, and only then answers requests; on stepping down it stops
 * that routing's clocks and drops it.
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
  private final Metrics.Counter offersMade;

  private Routing.Shared shared;
  private Routing routing;
  private VertxTimers routingTimers;
  private MessageConsumer<DispatchMessage> consumer;
  private boolean leader;
  private boolean takingOver;
  private long viewTimer = -1;
  private long tickTimer = -1;
  private UUID membershipListener;

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
    DispatchCodec.register(vertx.eventBus());
    metrics.gauge("livedesk_queue_depth", "conversations waiting for an agent (reported by the active dispatcher)",
        () -> leader && routing != null ? routing.waiting() : 0);
    // Creating the distributed maps' proxies may ask the cluster: done on a worker, not the event loop.
    return vertx.executeBlocking(() -> {
      shared = new Routing.Shared(
          new HazelcastSharedMap(hazelcast.getMap(Addresses.QUEUE_MAP), context),
          new HazelcastSharedMap(hazelcast.getMap(Addresses.PRESENCE_MAP), context),
          new HazelcastSharedMap(hazelcast.getMap(Addresses.OFFERS_MAP), context),
          new HazelcastSharedMap(hazelcast.getMap(Addresses.SUPERVISORS_MAP), context));
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
      viewTimer = vertx.setPeriodic(config.viewIntervalMs(), id -> {
        if (leader) {
          routing.pushView();
        }
      });
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
      Set<Member> all = hazelcast.getCluster().getMembers();
      return !all.isEmpty() && all.iterator().next().localMember();
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
    routingTimers = new VertxTimers();
    Routing next = new Routing(shared, config, presenceConfig, events, sla, routingTimers, delivery::toUser, offersMade::inc,
        () -> new HashSet<>(members.get()), roomViewers);
    // Rebuilt before the consumer exists: no request races the rebuild (senders retry meanwhile).
    return next.takeOver()
        .compose(v -> {
          // Set before the consumer exists: a request may reach it before its registration completes.
          routing = next;
          consumer = vertx.eventBus().consumer(Addresses.DISPATCHER, this::handle);
          return consumer.completion();
        })
        .onSuccess(v -> {
          takingOver = false;
          leader = true;
        })
        .onFailure(e -> {
          takingOver = false;
          routing = null;
          if (consumer != null) {
            consumer.unregister();
            consumer = null;
          }
          next.stop();
          routingTimers.cancelAll();
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
    if (routing != null) {
      routing.stop();
      routingTimers.cancelAll();
      routing = null;
    }
  }

  private void tick() {
    checkLeadership();
    if (leader) {
      routing.tick();
    }
  }

  private void sweepNodes() {
    if (leader) {
      routing.sweeps.nodes();
    }
  }

  // ------------------------------------------------------------------ requests

  private void handle(Message<DispatchMessage> msg) {
    if (!(msg.body() instanceof DispatchMessage.Request request) || routing == null) {
      msg.fail(ErrorCode.UNAVAILABLE.getNumber(), "not a request, or no longer the dispatcher");
      return;
    }
    routing.handle(request).onSuccess(reply -> msg.reply(reply, DispatcherClient.options())).onFailure(e -> {
      if (e instanceof Refusal r) {
        msg.fail(r.code.getNumber(), r.getMessage());
      } else if (e instanceof FrameException f) {
        // The lifecycle refused (a conversation closed meanwhile, say): the client sees why.
        msg.fail(f.code().getNumber(), f.getMessage());
      } else if (e instanceof StoreUnavailableException) {
        msg.fail(ErrorCode.STORE_UNAVAILABLE.getNumber(), e.getMessage());
      } else {
        log.warn("dispatcher request {} failed", request.getClass().getSimpleName(), e);
        msg.fail(ErrorCode.INTERNAL.getNumber(), "the dispatcher could not do that: " + e.getMessage());
      }
    });
  }

  /** Vert.x timers on this verticle's context; all cancelled together when the routing steps down. */
  private final class VertxTimers implements Timers {

    private final Set<Long> live = new HashSet<>();

    @Override
    public long now() {
      return System.currentTimeMillis();
    }

    @Override
    public long after(long delayMs, Runnable action) {
      long[] id = new long[1];
      id[0] = vertx.setTimer(Math.max(1, delayMs), t -> {
        live.remove(id[0]);
        action.run();
      });
      live.add(id[0]);
      return id[0];
    }

    @Override
    public void cancel(long id) {
      live.remove(id);
      vertx.cancelTimer(id);
    }

    void cancelAll() {
      live.forEach(vertx::cancelTimer);
      live.clear();
    }
  }
}
