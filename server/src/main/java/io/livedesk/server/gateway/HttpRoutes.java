package io.livedesk.server.gateway;

import io.vertx.ext.web.Router;

/** A concern's HTTP endpoints, mounted on every gateway's router. */
@FunctionalInterface
public interface HttpRoutes {
  void mount(Router router);
}
