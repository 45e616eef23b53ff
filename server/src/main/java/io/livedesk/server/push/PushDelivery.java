package io.livedesk.server.push;

import io.livedesk.protocol.Frame;
import io.livedesk.server.cluster.Addresses;
import io.livedesk.server.gateway.Outgoing;
import io.livedesk.server.gateway.Session;
import io.livedesk.server.gateway.SessionRegistry;
import io.livedesk.server.room.Rooms;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * This node's side of a campaign: it arrives once per node on {@link Addresses#PUSHES}, and the
 * node finds its own matching sessions and writes the push to them, never dropped (a push is not
 * best effort), counting what it targeted and delivered in one update.
 */
final class PushDelivery extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(PushDelivery.class);

  private final SessionRegistry sessions;
  private final Rooms rooms;
  private final FrequencyCap cap;
  private final Map<String, Set<String>> behaviourTags;
  private final Tally tally;
  private final Reach reach;
  private MessageConsumer<String> consumer;

  PushDelivery(SessionRegistry sessions, Rooms rooms, FrequencyCap cap, Map<String, Set<String>> behaviourTags, Tally tally,
               Reach reach) {
    this.reach = reach;
    this.sessions = sessions;
    this.rooms = rooms;
    this.cap = cap;
    this.behaviourTags = behaviourTags;
    this.tally = tally;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(Addresses.PUSHES, this::received);
    vertx.setPeriodic(60_000, id -> cap.prune(System.currentTimeMillis()));
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }

  private void received(Message<String> msg) {
    deliver(Campaign.fromDocument(Document.parse(msg.body())));
  }

  void deliver(Campaign c) {
    long now = System.currentTimeMillis();
    Outgoing out = new Outgoing(Frame.newBuilder().setPush(c.push(now)).build());
    Campaign.Target target = c.target();
    // One decision per user, however many of their sessions (or rooms) match.
    Map<String, Boolean> decided = new ConcurrentHashMap<>();
    Queue<Session> chosen = new ConcurrentLinkedQueue<>();
    Consumer<Session> visit = s -> {
      if (s.isOpen() && matches(s, target) && decided.computeIfAbsent(s.userId(), u -> cap.allow(u, c.id(), now))) {
        chosen.add(s);
      }
    };
    Future<?> done;
    if (!target.users().isEmpty()) {
      target.users().forEach(u -> sessions.forUser(u, visit));
      done = Future.succeededFuture();
    } else if (!target.rooms().isEmpty()) {
      done = Future.all(target.rooms().stream().map(r -> rooms.forEachMember(r, visit)).toList());
    } else {
      sessions.forEach(visit);
      done = Future.succeededFuture();
    }
    done.compose(v -> {
      List<String> reached = decided.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
      if (!c.isCoupon()) {
        // a prompt's reach only makes its reported opens count once: it need not hold the push back
        chosen.forEach(s -> s.send(out));
        reach.record(c.id(), reached, now, 0)
            .onFailure(e -> log.warn("reach of prompt campaign {} not stored cause={}", c.id(), e.toString()));
        return Future.succeededFuture(reached.size());
      }
      // A coupon is claimable only by whom it reached: that is stored before anyone sees the push.
      return reach.record(c.id(), reached, now, 0).map(stored -> {
        chosen.forEach(s -> s.send(out));
        return reached.size();
      });
    }).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("campaign {} not delivered on this node: its reach could not be stored cause={}", c.id(), ar.cause().toString());
      }
      tally.add(c.id(), decided.size(), ar.succeeded() ? ar.result() : 0);
    });
  }

  private boolean matches(Session s, Campaign.Target t) {
    if (!t.users().isEmpty() && !t.users().contains(s.userId())) {
      return false;
    }
    if (!t.rooms().isEmpty() && t.rooms().stream().noneMatch(r -> rooms.isIn(s, r))) {
      return false;
    }
    return t.tags().isEmpty() || t.tags().stream().anyMatch(tag -> tagged(s, tag));
  }

  /** A tag from the token or one earned by behaviour on this node. */
  boolean tagged(Session s, String tag) {
    if (s.principal().tagged(tag)) {
      return true;
    }
    Set<String> earned = behaviourTags.get(s.userId());
    return earned != null && earned.contains(tag);
  }
}
