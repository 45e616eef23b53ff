package io.livedesk.server.privacy;

import io.livedesk.server.auth.HttpAuth;
import io.livedesk.server.auth.Principal;
import io.livedesk.server.auth.Role;
import io.livedesk.server.gateway.HttpError;
import io.livedesk.server.gateway.HttpRoutes;
import io.livedesk.server.store.StoreUnavailableException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API over customers' personal data. Every call that reads or erases a customer's
 * transcripts leaves an audit record first-hand: an export is audited before the data leaves.
 *
 * <pre>
 * GET    /api/admin/customers/:id/transcripts   admin: every conversation of the customer with its messages (JSON)
 * DELETE /api/admin/customers/:id/transcripts   admin: erases them -> {"conversations": n, "messages": n};
 *                                               409 while one is still open (an admin may close it first)
 * GET    /api/admin/audit?subject=&amp;action=&amp;limit=   admin: audit records, newest first
 * </pre>
 */
final class PrivacyApi implements HttpRoutes {

  static final String EXPORT = "transcripts.export";
  static final String ERASE = "transcripts.erase";
  static final String RETENTION = "transcripts.retention";
  private static final Logger log = LoggerFactory.getLogger(PrivacyApi.class);
  private static final int MAX_ID = 256;
  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 1000;

  private final HttpAuth auth;
  private final Transcripts transcripts;
  private final Audit audit;

  PrivacyApi(HttpAuth auth, Transcripts transcripts, Audit audit) {
    this.auth = auth;
    this.transcripts = transcripts;
    this.audit = audit;
  }

  @Override
  public void mount(Router router) {
    router.get("/api/admin/customers/:id/transcripts").handler(auth.requireAny(Role.ADMIN)).handler(this::export);
    router.delete("/api/admin/customers/:id/transcripts").handler(auth.requireAny(Role.ADMIN)).handler(this::erase);
    router.get("/api/admin/audit").handler(auth.requireAny(Role.ADMIN)).handler(this::audit);
  }

  private void export(RoutingContext ctx) {
    String customer = customerId(ctx);
    if (customer == null) {
      return;
    }
    Principal admin = HttpAuth.principal(ctx);
    transcripts.export(customer)
        .compose(json -> audit.record(admin.userId(), EXPORT, customer, counts(json)).map(json))
        .onSuccess(ctx::json)
        .onFailure(e -> failed(ctx, "export", customer, e));
  }

  private void erase(RoutingContext ctx) {
    String customer = customerId(ctx);
    if (customer == null) {
      return;
    }
    Principal admin = HttpAuth.principal(ctx);
    transcripts.erase(customer)
        .compose(erased -> audit.record(admin.userId(), ERASE, customer, erased.toJson()).map(erased))
        .onSuccess(erased -> ctx.json(erased.toJson()))
        .onFailure(e -> failed(ctx, "erase", customer, e));
  }

  private void audit(RoutingContext ctx) {
    int limit;
    try {
      String raw = ctx.queryParams().get("limit");
      limit = raw == null ? DEFAULT_LIMIT : Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      HttpError.send(ctx, 400, "limit must be 1.." + MAX_LIMIT);
      return;
    }
    audit.list(ctx.queryParams().get("subject"), ctx.queryParams().get("action"), limit)
        .onSuccess(records -> ctx.json(new JsonObject().put("records", new JsonArray(records))))
        .onFailure(e -> failed(ctx, "audit list", null, e));
  }

  private static String customerId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null || id.isBlank() || id.length() > MAX_ID) {
      HttpError.send(ctx, 400, "the customer id must be 1.." + MAX_ID + " characters");
      return null;
    }
    return id;
  }

  private static JsonObject counts(JsonObject export) {
    JsonArray conversations = export.getJsonArray("conversations");
    long messages = conversations.stream().mapToLong(c -> ((JsonObject) c).getJsonArray("messages").size()).sum();
    return new JsonObject().put("conversations", conversations.size()).put("messages", messages);
  }

  private static void failed(RoutingContext ctx, String what, String customer, Throwable e) {
    if (e instanceof Transcripts.StillOpen) {
      HttpError.send(ctx, 409, e.getMessage());
      return;
    }
    log.warn("privacy {} failed customer={} cause={}", what, customer, e.toString());
    if (e instanceof StoreUnavailableException) {
      HttpError.send(ctx, 503, "the store cannot be reached; try again");
    } else {
      HttpError.send(ctx, 500, "internal error");
    }
  }
}
