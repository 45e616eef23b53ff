package io.livedesk.server.push;

import com.hazelcast.core.HazelcastInstance;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameException;
import io.livedesk.protocol.SignalKind;
import io.livedesk.server.auth.HttpAuth;
import io.livedesk.server.auth.TokenVerifier;
import io.livedesk.server.cluster.Addresses;
import io.livedesk.server.gateway.FrameRouter;
import io.livedesk.server.gateway.HttpRoutes;
import io.livedesk.server.gateway.Session;
import io.livedesk.server.gateway.SessionEvents;
import io.livedesk.server.gateway.SessionRegistry;
import io.livedesk.server.metrics.Metrics;
import io.livedesk.server.room.Rooms;
import io.livedesk.server.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Coupon and prompt pushes: campaigns (admin API), their sending across the cluster, claims,
 * opens and behaviour signals. Public surface: {@link #start} and {@link #routes}.
 */
public final class Pushes {

  private static final Logger log = LoggerFactory.getLogger(Pushes.class);
  private static final int MAX_ID = 128;

  private final Vertx vertx;
  private final PushConfig config;
  private final Rooms rooms;
  private final CampaignStore campaigns;
  private final Tally tally;
  private final Reach reach;
  private final Claims claims;
  private final FrequencyCap cap;
  private final Behaviour behaviour;
  private final PushDelivery delivery;
  private final CampaignRoutes routes;

  public Pushes(Vertx vertx, HazelcastInstance hazelcast, Store store, SessionRegistry sessions, Rooms rooms,
                TokenVerifier verifier, Metrics metrics, PushConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.rooms = rooms;
    this.campaigns = new CampaignStore(store);
    this.tally = new Tally(hazelcast);
    this.reach = new Reach(store);
    this.claims = new Claims(store, tally, reach);
    this.cap = new FrequencyCap(config.maxPerUserPerHour());
    this.behaviour = new Behaviour(store, config, sessions, cap, tally, claims, reach, metrics);
    this.delivery = new PushDelivery(sessions, rooms, cap, behaviour.tags, tally, reach);
    this.routes = new CampaignRoutes(new HttpAuth(verifier), campaigns, tally, claims, this::send);
  }

  /** The admin API: create, list, show results, cancel. */
  public HttpRoutes routes() {
    return routes;
  }

  public Future<Void> start(FrameRouter frames, SessionEvents events) {
    frames.register(Frame.BodyCase.CLAIM, FrameRouter.ANY_ROLE, this::claim);
    frames.register(Frame.BodyCase.PUSH_OPENED, FrameRouter.ANY_ROLE, this::opened);
    frames.register(Frame.BodyCase.SIGNAL, FrameRouter.ANY_ROLE, this::signal);
    events.onClosed(behaviour::forget);
    vertx.eventBus().<String>consumer(Addresses.CAMPAIGN_CHANGED, msg -> campaigns.evict(msg.body()));
    long now = System.currentTimeMillis();
    return claims.start()
        .compose(v -> Future.all(campaigns.upsert(Behaviour.promptCampaign(now)),
            campaigns.upsert(Behaviour.couponCampaign(config, now)))
            // Another node may be writing the same rule campaigns at the same moment.
            .recover(e -> Future.succeededFuture()))
        .compose(v -> vertx.deployVerticle(delivery))
        .onSuccess(id -> vertx.setPeriodic(config.schedulerIntervalMs(), t -> sendDue()))
        .mapEmpty();
  }

  /**
   * Sends a campaign if it is still scheduled (or its sender died): only the node whose update
   * moves it to sending does, so a campaign goes out once however many nodes look; one sent
   * again after its sender died reaches no one twice on a node ({@link FrequencyCap}). A coupon
   * drop slows its rooms down.
   */
  Future<Boolean> send(Campaign c) {
    return campaigns.startSending(c.id(), System.currentTimeMillis()).compose(won -> {
      if (!won) {
        return Future.succeededFuture(false);
      }
      Future<?> slowed = c.isCoupon()
          ? Future.all(c.target().rooms().stream().map(rooms::couponDrop).toList()) : Future.succeededFuture();
      return slowed.recover(e -> Future.succeededFuture()).compose(v -> {
        vertx.eventBus().publish(Addresses.PUSHES, c.withState(Campaign.State.SENT).toDocument().toJson());
        return campaigns.move(c.id(), Campaign.State.SENDING, Campaign.State.SENT);
      }).map(v -> {
        vertx.eventBus().publish(Addresses.CAMPAIGN_CHANGED, c.id());
        return true;
      });
    });
  }

  private void sendDue() {
    campaigns.due(System.currentTimeMillis())
        .compose(due -> Future.all(due.stream().map(this::send).toList()))
        .onFailure(e -> log.warn("scheduled campaigns not sent this round cause={}", e.toString()));
  }

  private Future<Frame.Builder> claim(Session session, Frame frame) {
    String id = frame.getClaim().getCampaignId();
    if (id.isEmpty() || id.length() > MAX_ID) {
      return Future.failedFuture(new FrameException(ErrorCode.INVALID_ARGUMENT, "campaign_id is required"));
    }
    var context = vertx.getOrCreateContext();
    return campaigns.get(id)
        .compose(c -> claims.claim(c, session.userId(), System.currentTimeMillis(), context))
        .map(result -> Frame.newBuilder().setClaimResult(result));
  }

  private Future<Frame.Builder> opened(Session session, Frame frame) {
    String id = frame.getPushOpened().getCampaignId();
    if (id.isEmpty() || id.length() > MAX_ID) {
      return Future.failedFuture(new FrameException(ErrorCode.INVALID_ARGUMENT, "campaign_id is required"));
    }
    // Client-reported, so counted once per user the push really reached, and shown as such.
    return reach.opened(id, session.userId(), System.currentTimeMillis()).map(first -> {
      if (first) {
        tally.add(id, Tally.Count.OPENED, 1);
      }
      return null; // no answer (PROTOCOL.md)
    });
  }

  private Future<Frame.Builder> signal(Session session, Frame frame) {
    var signal = frame.getSignal();
    if (signal.getKind() == SignalKind.SIGNAL_KIND_UNSPECIFIED || signal.getKind() == SignalKind.UNRECOGNIZED) {
      return Future.failedFuture(new FrameException(ErrorCode.INVALID_ARGUMENT, "kind is missing or unknown"));
    }
    if (List.of(signal.getProductId(), signal.getRoomId(), signal.getOrderId()).stream().anyMatch(s -> s.length() > MAX_ID)) {
      return Future.failedFuture(new FrameException(ErrorCode.INVALID_ARGUMENT, "ids are at most " + MAX_ID + " characters"));
    }
    return behaviour.signal(session, signal).map(v -> null); // no answer (PROTOCOL.md)
  }
}
