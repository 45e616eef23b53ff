package io.livedesk.server.auth;

import io.livedesk.server.gateway.HttpError;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Bearer-token checks for HTTP APIs: {@code router.post("/api/x").handler(auth.requireAny(Role.ADMIN))}
 * answers 401 without a valid token, 403 without one of the roles, and otherwise leaves the
 * {@link Principal} on the context for the next handler.
 */
public final class HttpAuth {

  private static final String PRINCIPAL = "livedesk.principal";

  private final TokenVerifier verifier;

  public HttpAuth(TokenVerifier verifier) {
    this.verifier = verifier;
  }

  public Handler<RoutingContext> requireAny(Role... roles) {
    Set<Role> allowed = EnumSet.copyOf(Arrays.asList(roles));
    String names = allowed.stream().map(Role::claim).collect(Collectors.joining(" or "));
    return ctx -> {
      Principal principal;
      try {
        principal = verifier.verify(bearer(ctx));
      } catch (AuthException e) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        HttpError.send(ctx, 401, e.getMessage());
        return;
      }
      if (principal.roles().stream().noneMatch(allowed::contains)) {
        HttpError.send(ctx, 403, "this needs the " + names + " role");
        return;
      }
      ctx.put(PRINCIPAL, principal);
      ctx.next();
    };
  }

  /** Who made the request, once {@link #requireAny} let it through. */
  public static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  private static String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
  }
}
