package io.livedesk.server.conversation;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.livedesk.server.auth.HttpAuth;
import io.livedesk.server.auth.Role;
import io.livedesk.server.gateway.HttpError;
import io.livedesk.server.gateway.HttpRoutes;
import io.livedesk.server.store.Store;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.livedesk.server.gateway.RequestBody;
import org.bson.Document;

import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Quick-reply templates per intent, with the variables {@code {customer_name}} and
 * {@code {product}}. Agents search and render them (each render counts a use); supervisors and
 * admins edit them.
 *
 * <pre>
 * GET    /api/templates?intent=&amp;q=          agent, supervisor, admin: search, most used first
 * POST   /api/templates/:id/render           agent, supervisor, admin: {"customer_name", "product"} -> {"text"}
 * POST   /api/admin/templates                supervisor, admin: {"intent", "title", "text"} -> 201
 * PUT    /api/admin/templates/:id            supervisor, admin: replaces intent, title, text
 * DELETE /api/admin/templates/:id            supervisor, admin
 * </pre>
 */
public final class QuickReplies implements HttpRoutes {

  static final String COLLECTION = "templates";
  private static final int MAX_BODY = 16 * 1024;
  private static final int MAX_TEXT = 2000;
  private static final int MAX_VALUE = 200;
  private static final int MAX_RESULTS = 200;

  private final Store store;
  private final HttpAuth auth;
  private final MongoCollection<Document> templates;

  public QuickReplies(Store store, HttpAuth auth) {
    this.store = store;
    this.auth = auth;
    this.templates = store.collection(COLLECTION);
  }

  @Override
  public void mount(Router router) {
    router.get("/api/templates").handler(auth.requireAny(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)).handler(this::search);
    // Each role check is a route of its own, ahead of the route that reads the body.
    router.post("/api/templates/:id/render").handler(auth.requireAny(Role.AGENT, Role.SUPERVISOR, Role.ADMIN));
    router.post("/api/templates/:id/render").handler(RequestBody.upTo(MAX_BODY)).handler(this::render);
    router.post("/api/admin/templates").handler(auth.requireAny(Role.SUPERVISOR, Role.ADMIN));
    router.post("/api/admin/templates").handler(RequestBody.upTo(MAX_BODY)).handler(ctx -> save(ctx, UUID.randomUUID().toString(), true));
    router.put("/api/admin/templates/:id").handler(auth.requireAny(Role.SUPERVISOR, Role.ADMIN));
    router.put("/api/admin/templates/:id").handler(RequestBody.upTo(MAX_BODY)).handler(ctx -> save(ctx, ctx.pathParam("id"), false));
    router.delete("/api/admin/templates/:id").handler(auth.requireAny(Role.SUPERVISOR, Role.ADMIN)).handler(this::delete);
  }

  /** Fills the variables; an unknown {variable} is left as written. */
  static String fill(String text, Map<String, String> values) {
    String out = text;
    for (Map.Entry<String, String> v : values.entrySet()) {
      out = out.replace("{" + v.getKey() + "}", v.getValue());
    }
    return out;
  }

  private void search(RoutingContext ctx) {
    String intent = ctx.queryParams().get("intent");
    String q = ctx.queryParams().get("q");
    String needle = q == null ? "" : q.toLowerCase(Locale.ROOT);
    store.all(templates.find(intent == null || intent.isBlank() ? Filters.empty() : Filters.eq("intent", intent)))
        .onSuccess(docs -> ctx.json(new JsonArray(docs.stream()
            .filter(d -> needle.isEmpty() || (d.getString("title") + "\n" + d.getString("text")).toLowerCase(Locale.ROOT).contains(needle))
            .sorted(Comparator.comparingLong((Document d) -> -uses(d)).thenComparing(d -> d.getString("title")))
            .limit(MAX_RESULTS).map(QuickReplies::toJson).toList())))
        .onFailure(e -> HttpError.send(ctx, 503, "the store did not answer: " + e.getMessage()));
  }

  private void render(RoutingContext ctx) {
    JsonObject body = HttpError.jsonBody(ctx);
    if (body == null) {
      return;
    }
    String name = body.getValue("customer_name", "") instanceof String s ? s : null;
    String product = body.getValue("product", "") instanceof String s ? s : null;
    if (name == null || product == null || name.length() > MAX_VALUE || product.length() > MAX_VALUE) {
      HttpError.send(ctx, 400, "customer_name and product must be strings of at most " + MAX_VALUE + " characters");
      return;
    }
    store.first(templates.findOneAndUpdate(Filters.eq("_id", ctx.pathParam("id")), Updates.inc("uses", 1L),
            new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)))
        .onSuccess(d -> {
          if (d == null) {
            HttpError.send(ctx, 404, "no such template");
          } else {
            ctx.json(new JsonObject().put("id", d.getString("_id")).put("uses", uses(d))
                .put("text", fill(d.getString("text"), Map.of("customer_name", name, "product", product))));
          }
        })
        .onFailure(e -> HttpError.send(ctx, 503, "the store did not answer: " + e.getMessage()));
  }

  private void save(RoutingContext ctx, String id, boolean create) {
    JsonObject body = HttpError.jsonBody(ctx);
    if (body == null) {
      return;
    }
    String intent = body.getValue("intent") instanceof String s ? s.trim() : "";
    String title = body.getValue("title") instanceof String s ? s.trim() : "";
    String text = body.getValue("text") instanceof String s ? s : "";
    if (intent.isEmpty() || title.isEmpty() || text.isBlank() || text.length() > MAX_TEXT || title.length() > MAX_VALUE) {
      HttpError.send(ctx, 400, "intent, title (at most " + MAX_VALUE + ") and text (at most " + MAX_TEXT
          + " characters) are required strings");
      return;
    }
    if (create) {
      Document doc = new Document("_id", id).append("intent", intent).append("title", title).append("text", text)
          .append("uses", 0L);
      store.first(templates.insertOne(doc))
          .onSuccess(r -> ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
              .end(toJson(doc).encode()))
          .onFailure(e -> HttpError.send(ctx, 503, "the store did not answer: " + e.getMessage()));
      return;
    }
    store.first(templates.findOneAndUpdate(Filters.eq("_id", id), Updates.combine(Updates.set("intent", intent),
            Updates.set("title", title), Updates.set("text", text)), new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)))
        .onSuccess(d -> {
          if (d == null) {
            HttpError.send(ctx, 404, "no such template");
          } else {
            ctx.json(toJson(d));
          }
        })
        .onFailure(e -> HttpError.send(ctx, 503, "the store did not answer: " + e.getMessage()));
  }

  private void delete(RoutingContext ctx) {
    store.first(templates.deleteOne(Filters.eq("_id", ctx.pathParam("id"))))
        .onSuccess(r -> {
          if (r.getDeletedCount() == 0) {
            HttpError.send(ctx, 404, "no such template");
          } else {
            ctx.response().setStatusCode(204).end();
          }
        })
        .onFailure(e -> HttpError.send(ctx, 503, "the store did not answer: " + e.getMessage()));
  }

  private static long uses(Document d) {
    return d.get("uses") instanceof Number n ? n.longValue() : 0;
  }

  private static JsonObject toJson(Document d) {
    return new JsonObject().put("id", d.getString("_id")).put("intent", d.getString("intent"))
        .put("title", d.getString("title")).put("text", d.getString("text")).put("uses", uses(d));
  }
}
