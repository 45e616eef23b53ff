package io.livedesk.server.gateway;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The one shape of an HTTP API error: a status and {@code {"error": "clear message"}}. */
public final class HttpError {

  private HttpError() {
  }

  public static void send(RoutingContext ctx, int status, String message) {
    ctx.response().setStatusCode(status);
    ctx.json(new JsonObject().put("error", message));
  }

  /** The request body as a JSON object, or null after answering 400. */
  public static JsonObject jsonBody(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body != null) {
        return body;
      }
    } catch (RuntimeException e) {
      // falls through to the 400 below: not JSON, or JSON that is not an object
    }
    send(ctx, 400, "the body must be a JSON object");
    return null;
  }
}
