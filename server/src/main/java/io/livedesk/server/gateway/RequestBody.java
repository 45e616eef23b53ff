package io.livedesk.server.gateway;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * How every API reads a request body: bounded, held in memory, never written to disk (no API
 * takes file uploads, so a multipart file part is dropped rather than stored under
 * file-uploads/). Mount it on a route after the route that checks the role (Vert.x Web keeps body
 * handlers ahead of others on one route), so that no one without the role makes the node read,
 * buffer or parse a body.
 */
public final class RequestBody {

  private RequestBody() {
  }

  public static Handler<RoutingContext> upTo(long bytes) {
    return BodyHandler.create(false).setBodyLimit(bytes).setDeleteUploadedFilesOnEnd(true);
  }
}
