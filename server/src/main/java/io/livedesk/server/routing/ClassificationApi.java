package io.livedesk.server.routing;

import io.livedesk.server.auth.HttpAuth;
import io.livedesk.server.auth.Role;
import io.livedesk.server.cluster.Addresses;
import io.livedesk.server.gateway.HttpError;
import io.livedesk.server.gateway.HttpRoutes;
import io.livedesk.server.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.livedesk.server.gateway.RequestBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;

/**
 * {@code POST /api/classify} lets a supervisor or admin try the rules on a text;
 * {@code GET/PUT/DELETE /api/admin/rules} let an admin read, replace, and go back to the
 * configured rules at run time. A change is validated, saved in MongoDB (so restarts and nodes
 * that join later keep it), then published to every node of the cluster.
 */
public final class ClassificationApi implements HttpRoutes {

  private static final Logger log = LoggerFactory.getLogger(ClassificationApi.class);
  private static final long MAX_CLASSIFY_BODY = 16 * 1024;
  private static final long MAX_RULES_BODY = 1024 * 1024;

  private final Vertx vertx;
  private final Classifier classifier;
  private final HttpAuth auth;
  private final SavedRules saved;

  public ClassificationApi(Vertx vertx, Classifier classifier, HttpAuth auth, Store store) {
    this.vertx = vertx;
    this.classifier = classifier;
    this.auth = auth;
    this.saved = new SavedRules(store);
    vertx.eventBus().<JsonObject>consumer(Addresses.ROUTING_RULES, msg -> changed(msg.body()));
  }

  /**
   * Applies the rules an admin saved, if any; the node's start waits for it. Without MongoDB the
   * node still starts, on the configured rules.
   */
  public Future<Void> restoreSaved() {
    return saved.load()
        .<Void>map(rules -> {
          rules.ifPresent(json -> changed(new JsonObject().put("rules", json)));
          return null;
        })
        .recover(e -> {
          log.warn("saved classification rules could not be read, using the configured ones: {}", e.toString());
          return Future.succeededFuture();
        });
  }

  @Override
  public void mount(Router router) {
    // The role is checked on a route of its own, before the route that reads the (bounded) body.
    router.post("/api/classify").handler(auth.requireAny(Role.SUPERVISOR, Role.ADMIN));
    router.post("/api/classify").handler(RequestBody.upTo(MAX_CLASSIFY_BODY)).handler(this::classify);
    router.get("/api/admin/rules").handler(auth.requireAny(Role.ADMIN))
        .handler(ctx -> ctx.json(classifier.rules().toJson()));
    router.put("/api/admin/rules").handler(auth.requireAny(Role.ADMIN));
    router.put("/api/admin/rules").handler(RequestBody.upTo(MAX_RULES_BODY)).handler(this::replace);
    router.delete("/api/admin/rules").handler(auth.requireAny(Role.ADMIN)).handler(this::reset);
  }

  private void classify(RoutingContext ctx) {
    JsonObject body = HttpError.jsonBody(ctx);
    if (body == null) {
      return;
    }
    if (!(body.getValue("text") instanceof String text) || text.isBlank()) {
      HttpError.send(ctx, 400, "text: a non-empty string is required");
      return;
    }
    Object tags = body.getValue("tags", new JsonArray());
    if (!(tags instanceof JsonArray list) || !list.stream().allMatch(String.class::isInstance)) {
      HttpError.send(ctx, 400, "tags: must be an array of strings");
      return;
    }
    if (!(body.getValue("cartHesitating", false) instanceof Boolean cart)) {
      HttpError.send(ctx, 400, "cartHesitating: must be true or false");
      return;
    }
    Set<String> tagSet = new HashSet<>();
    list.forEach(t -> tagSet.add((String) t));
    Classifier.Classification c = classifier.classify(text, tagSet, cart);
    ctx.json(new JsonObject()
        .put("intent", c.intent())
        .put("tier", c.tier().name())
        .put("angry", c.angry())
        .put("skill", classifier.skillFor(c.intent()))
        .put("reasons", new JsonArray(c.reasons())));
  }

  private void replace(RoutingContext ctx) {
    JsonObject body = HttpError.jsonBody(ctx);
    if (body == null) {
      return;
    }
    Rules rules;
    try {
      rules = Rules.parse(body, classifier.tiers());
    } catch (InvalidRulesException e) {
      HttpError.send(ctx, 400, e.getMessage());
      return;
    }
    String by = HttpAuth.principal(ctx).userId();
    saved.save(rules.toJson(), by).onComplete(done -> {
      if (done.failed()) {
        HttpError.send(ctx, 503, "the rules could not be saved, nothing changed: " + done.cause().getMessage());
        return;
      }
      classifier.replaceRules(rules);
      vertx.eventBus().publish(Addresses.ROUTING_RULES, new JsonObject().put("rules", rules.toJson()));
      log.info("classification rules replaced by={} intents={}", by, rules.intentNames().size());
      ctx.json(rules.toJson());
    });
  }

  private void reset(RoutingContext ctx) {
    saved.clear().onComplete(done -> {
      if (done.failed()) {
        HttpError.send(ctx, 503, "the saved rules could not be removed, nothing changed: " + done.cause().getMessage());
        return;
      }
      Rules rules = classifier.resetRules();
      vertx.eventBus().publish(Addresses.ROUTING_RULES, new JsonObject());
      log.info("classification rules reset to the configured ones by={}", HttpAuth.principal(ctx).userId());
      ctx.json(rules.toJson());
    });
  }

  /** A change made on any node: {@code {"rules": {...}}} replaces, {@code {}} goes back to the configured rules. */
  private void changed(JsonObject change) {
    JsonObject rules = change.getJsonObject("rules");
    if (rules == null) {
      classifier.resetRules();
      return;
    }
    try {
      classifier.replaceRules(rules);
    } catch (InvalidRulesException e) {
      // Only when nodes run with different routing.tiers: this node keeps what it has.
      log.warn("saved or published classification rules refused, keeping the current ones: {}", e.getMessage());
    }
  }
}
