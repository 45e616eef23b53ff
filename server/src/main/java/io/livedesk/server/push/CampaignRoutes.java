package io.livedesk.server.push;

import io.livedesk.server.auth.HttpAuth;
import io.livedesk.server.auth.Principal;
import io.livedesk.server.auth.Role;
import io.livedesk.server.gateway.HttpError;
import io.livedesk.server.gateway.HttpRoutes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.livedesk.server.gateway.RequestBody;

import java.util.UUID;
import java.util.function.Function;

/**
 * {@code /api/admin/campaigns}: create (POST), list (GET), show with results (GET /:id), cancel
 * (POST /:id/cancel). Admins only, with a bearer token ({@link HttpAuth}).
 */
final class CampaignRoutes implements HttpRoutes {

  static final String PATH = "/api/admin/campaigns";
  private static final int MAX_BODY = 1 << 20;
  private static final int LIST_LIMIT = 100;

  private final HttpAuth auth;
  private final CampaignStore campaigns;
  private final Tally tally;
  private final Claims claims;
  private final Function<Campaign, Future<Boolean>> send;

  CampaignRoutes(HttpAuth auth, CampaignStore campaigns, Tally tally, Claims claims, Function<Campaign, Future<Boolean>> send) {
    this.auth = auth;
    this.campaigns = campaigns;
    this.tally = tally;
    this.claims = claims;
    this.send = send;
  }

  @Override
  public void mount(Router router) {
    router.route(PATH + "*").handler(auth.requireAny(Role.ADMIN));
    router.route(PATH + "*").handler(RequestBody.upTo(MAX_BODY));
    router.post(PATH).handler(this::create);
    router.get(PATH).handler(this::list);
    router.get(PATH + "/:id").handler(this::show);
    router.post(PATH + "/:id/cancel").handler(this::cancel);
  }

  private void create(RoutingContext ctx) {
    Principal p = HttpAuth.principal(ctx);
    Campaign c;
    try {
      c = Campaign.parse("cmp-" + UUID.randomUUID(), ctx.body().asJsonObject(), p.userId(), System.currentTimeMillis());
    } catch (DecodeException | ClassCastException e) {
      error(ctx, 400, "the body must be a JSON object");
      return;
    } catch (IllegalArgumentException e) {
      error(ctx, 400, e.getMessage());
      return;
    }
    if (c == null) {
      error(ctx, 400, "the body must be a JSON object");
      return;
    }
    campaigns.insert(c)
        .compose(saved -> saved.at() <= System.currentTimeMillis() ? sendNow(saved) : Future.succeededFuture(saved))
        .onSuccess(saved -> ctx.response().setStatusCode(201).putHeader("Location", PATH + "/" + saved.id())
            .putHeader("Content-Type", "application/json").end(saved.toJson().encode()))
        .onFailure(e -> error(ctx, 503, "the campaign could not be stored; try again"));
  }

  /**
   * Sends a stored campaign that is due and answers its state. Not sent here (cancelled meanwhile,
   * or already taken): its state now. The send failed: it is stored, so the scheduler sends it
   * later; answering 503 would make the admin create it twice.
   */
  private Future<Campaign> sendNow(Campaign saved) {
    return send.apply(saved)
        .compose(sent -> sent ? Future.succeededFuture(saved.withState(Campaign.State.SENT)) : campaigns.get(saved.id()))
        .recover(e -> Future.succeededFuture(saved));
  }

  private void list(RoutingContext ctx) {
    campaigns.list(LIST_LIMIT)
        .onSuccess(list -> ctx.json(new JsonObject().put("campaigns", new JsonArray(list.stream().map(Campaign::toJson).toList()))))
        .onFailure(e -> error(ctx, 503, "campaigns cannot be read now; try again"));
  }

  private Future<JsonObject> results(Campaign c, Context context) {
    Future<JsonObject> counts = tally.results(c, context);
    return !c.isCoupon() ? counts : counts.compose(r -> claims.left(c, context).map(left -> r.put("remaining", left)));
  }

  private void show(RoutingContext ctx) {
    campaigns.get(ctx.pathParam("id"))
        .compose(c -> c == null ? Future.succeededFuture(null)
            : results(c, ctx.vertx().getOrCreateContext()).map(r -> c.toJson().put("results", r)))
        .onSuccess(json -> {
          if (json == null) {
            error(ctx, 404, "no such campaign");
          } else {
            ctx.json(json);
          }
        })
        .onFailure(e -> error(ctx, 503, "the campaign cannot be read now; try again"));
  }

  private void cancel(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    campaigns.get(id)
        .compose(c -> c == null ? Future.succeededFuture(false) : campaigns.cancel(id).map(true))
        .onSuccess(found -> {
          if (!found) {
            error(ctx, 404, "no such campaign");
          } else {
            ctx.vertx().eventBus().publish(io.livedesk.server.cluster.Addresses.CAMPAIGN_CHANGED, id);
            ctx.json(new JsonObject().put("id", id).put("state", "cancelled"));
          }
        })
        .onFailure(e -> error(ctx, 503, "the campaign could not be cancelled; try again"));
  }

  private static void error(RoutingContext ctx, int status, String message) {
    HttpError.send(ctx, status, message);
  }
}
