package io.livedesk.server.push;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.protocol.Coupon;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.LocalizedText;
import io.livedesk.protocol.Prompt;
import io.livedesk.protocol.Push;
import io.livedesk.protocol.Signal;
import io.livedesk.protocol.SignalKind;
import io.livedesk.server.gateway.Outgoing;
import io.livedesk.server.gateway.Session;
import io.livedesk.server.gateway.SessionRegistry;
import io.livedesk.server.metrics.Metrics;
import io.livedesk.server.store.Store;
import io.vertx.core.Future;
import org.bson.Document;

import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Behaviour signals: they earn the viewer segment tags on this node (for campaign targets) and
 * fire rules. The default rule: a cart dwell of {@code push.cartDwellSeconds} or more sends a
 * neutral prompt for the product, or a coupon when the viewer is {@code price_sensitive}; once
 * per user (a receipt in MongoDB, unique by id, decides across the cluster), within the caps.
 */
public final class Behaviour {

  public static final String RECEIPTS = "push_receipts";
  static final String CART_DWELL_RULE = "cart_dwell";
  static final String PROMPT_CAMPAIGN = "rule-cart-dwell-prompt";
  static final String COUPON_CAMPAIGN = "rule-cart-dwell-coupon";
  static final String PRICE_SENSITIVE = "price_sensitive";

  private final Store store;
  private final MongoCollection<Document> receipts;
  private final PushConfig config;
  private final SessionRegistry sessions;
  private final FrequencyCap cap;
  private final Tally tally;
  private final Claims claims;
  private final Reach reach;
  private final Metrics.Counter outcomes;
  /** Tags earned by behaviour, for users with a session on this node; forgotten with their last session. */
  final Map<String, Set<String>> tags = new ConcurrentHashMap<>();

  Behaviour(Store store, PushConfig config, SessionRegistry sessions, FrequencyCap cap, Tally tally, Claims claims, Reach reach,
            Metrics metrics) {
    this.store = store;
    this.receipts = store.collection(RECEIPTS);
    this.config = config;
    this.sessions = sessions;
    this.cap = cap;
    this.tally = tally;
    this.claims = claims;
    this.reach = reach;
    this.outcomes = metrics.counter("livedesk_push_rule_outcomes_total",
        "behaviour rules that matched a signal, by rule and outcome (fired, repeat, capped)");
  }

  /** The rule's own campaigns, so their pushes are counted and their coupons claimed like any other. */
  static Campaign promptCampaign(long now) {
    Prompt prompt = Prompt.newBuilder().setText(LocalizedText.newBuilder().setZh("您可能感兴趣").setEn("You might also like")).build();
    return new Campaign(PROMPT_CAMPAIGN, "cart dwell: prompt", null, prompt, Campaign.Target.EVERYONE, now,
        Campaign.State.SENT, "rules", now);
  }

  static Campaign couponCampaign(PushConfig config, long now) {
    Coupon coupon = Coupon.newBuilder().setCouponId(COUPON_CAMPAIGN)
        .setTitle(LocalizedText.newBuilder().setZh("专属优惠券").setEn("A coupon for you"))
        .setAmountCents(config.dwellCouponCents()).setPerUserLimit(1).setTotal(10_000_000).build();
    return new Campaign(COUPON_CAMPAIGN, "cart dwell: coupon", coupon, null, Campaign.Target.EVERYONE, now,
        Campaign.State.SENT, "rules", now);
  }

  void forget(Session closed) {
    if (closed.userId() != null && sessions.sessionsOf(closed.userId()) == 0) {
      tags.remove(closed.userId());
    }
  }

  Future<Void> signal(Session session, Signal signal) {
    String user = session.userId();
    long now = System.currentTimeMillis();
    String tag = switch (signal.getKind()) {
      case VIEW_PRODUCT -> "product_viewer";
      case ADD_TO_CART -> "cart_adder";
      case CART_DWELL -> signal.getDwellSeconds() >= config.cartDwellSeconds() ? "cart_hesitant" : null;
      case CHECKOUT_ABANDON -> "checkout_abandoner";
      case ORDER_PLACED -> "buyer";
      default -> null;
    };
    if (tag != null) {
      tags.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet()).add(tag);
    }
    if (signal.getKind() == SignalKind.CART_DWELL && signal.getDwellSeconds() >= config.cartDwellSeconds()) {
      return cartDwell(session, signal, now);
    }
    if (signal.getKind() == SignalKind.ORDER_PLACED) {
      return claims.convert(user, now, TimeUnit.MINUTES.toMillis(config.conversionWindowMinutes()))
          .map(converted -> {
            converted.forEach(id -> tally.add(id, Tally.Count.CONVERTED, 1));
            return null;
          });
    }
    return Future.succeededFuture();
  }

  static String outcome(String outcome) {
    return "rule=\"" + CART_DWELL_RULE + "\",outcome=\"" + outcome + "\"";
  }

  private Future<Void> cartDwell(Session session, Signal signal, long now) {
    String user = session.userId();
    boolean priceSensitive = session.principal().tagged(PRICE_SENSITIVE)
        || tags.getOrDefault(user, Set.of()).contains(PRICE_SENSITIVE);
    Document receipt = new Document("_id", CART_DWELL_RULE + "/" + user).append("user", user).append("at", new Date(now));
    return store.first(receipts.insertOne(receipt)).map(r -> true)
        .recover(e -> e instanceof MongoWriteException w && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY
            ? Future.succeededFuture(false) : Future.failedFuture(e))
        .compose(first -> {
          if (!first) {
            outcomes.inc(outcome("repeat")); // the rule fires once per user
            return Future.succeededFuture();
          }
          long expires = now + TimeUnit.MINUTES.toMillis(config.dwellCouponMinutes());
          Campaign c = priceSensitive ? couponCampaign(config, now) : promptCampaign(now);
          Push.Builder push = c.push(now).toBuilder().setPushId(c.id() + "/" + user);
          if (priceSensitive) {
            push.setCoupon(push.getCoupon().toBuilder().setExpiresAt(expires));
          } else {
            push.setPrompt(push.getPrompt().toBuilder().setProductId(signal.getProductId()));
          }
          boolean allowed = cap.allow(user, c.id(), now);
          if (!allowed) {
            outcomes.inc(outcome("capped"));
            tally.add(c.id(), 1, 0);
            return Future.succeededFuture();
          }
          // the coupon's own expiry is kept on the server with the reach, and a claim checks it there
          Future<Void> recorded = priceSensitive ? reach.record(c.id(), List.of(user), now, expires) : Future.succeededFuture();
          return recorded.map(v -> {
            Outgoing out = new Outgoing(Frame.newBuilder().setPush(push).build());
            sessions.forUser(user, s -> s.send(out));
            tally.add(c.id(), 1, 1);
            outcomes.inc(outcome("fired")); // once the push is on its way: a test waits for this count
            return null;
          });
        });
  }
}
