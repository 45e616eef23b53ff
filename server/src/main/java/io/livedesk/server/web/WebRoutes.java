package io.livedesk.server.web;

import io.livedesk.server.auth.AuthConfig;
import io.livedesk.server.auth.Role;
import io.livedesk.server.auth.TokenMinter;
import io.livedesk.server.gateway.HttpRoutes;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.livedesk.server.gateway.RequestBody;
import io.vertx.ext.web.handler.StaticHandler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The reference web pages and the JavaScript SDK, served from the jar's {@code webroot/}, and the
 * development login {@code POST /api/dev/token}, which mints tokens only on a node in dev mode
 * (anyone can call it, so it must never exist in production) and answers 404 otherwise.
 */
public final class WebRoutes implements HttpRoutes {

  public static final String DEV_TOKEN_PATH = "/api/dev/token";
  static final String WEBROOT = "webroot";
  static final int MAX_BODY_BYTES = 4096;
  static final long DEFAULT_TTL_SECONDS = 3600;
  static final long MAX_TTL_SECONDS = 24 * 3600;
  private static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_-]{1,32}");
  private static final int MAX_NAME_LENGTH = 64;
  private static final int MAX_TAGS = 16;
  /** The pages load only their own scripts and talk only to their own node. */
  private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; "
      + "style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; "
      + "frame-ancestors 'none'";

  private final TokenMinter minter;

  /** {@code minter} is null when tokens must not be minted here (not dev mode, or no secret). */
  public WebRoutes(TokenMinter minter) {
    this.minter = minter;
  }

  /** Mints only in dev mode and only with a configured HS256 secret. */
  public static WebRoutes of(boolean dev, AuthConfig auth) {
    return new WebRoutes(dev && !auth.secret().isEmpty() ? new TokenMinter(auth) : null);
  }

  @Override
  public void mount(Router router) {
    router.post(DEV_TOKEN_PATH)
        .handler(RequestBody.upTo(MAX_BODY_BYTES))
        .handler(this::devToken);
    router.route().handler(ctx -> {
      ctx.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
          .putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("Referrer-Policy", "no-referrer");
      ctx.next();
    });
    router.route("/*").handler(StaticHandler.create(WEBROOT)
        .setIndexPage("login.html")
        .setCachingEnabled(false)
        .setDirectoryListing(false));
  }

  private void devToken(RoutingContext ctx) {
    if (minter == null) {
      ctx.response().setStatusCode(404).end();
      return;
    }
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      badRequest(ctx, "the body must be a JSON object");
      return;
    }
    if (body == null) {
      badRequest(ctx, "the body must be a JSON object");
      return;
    }
    try {
      String sub = string(body, "sub");
      if (sub == null || !SUBJECT.matcher(sub).matches()) {
        throw new IllegalArgumentException("sub must be 1-64 letters, digits or _.@-");
      }
      String name = string(body, "name");
      if (name != null && name.length() > MAX_NAME_LENGTH) {
        throw new IllegalArgumentException("name is longer than " + MAX_NAME_LENGTH + " characters");
      }
      List<Role> roles = new ArrayList<>();
      for (String r : strings(body, "roles")) {
        roles.add(Role.parse(r).orElseThrow(() -> new IllegalArgumentException("unknown role " + r)));
      }
      if (roles.isEmpty()) {
        roles.add(Role.VIEWER);
      }
      List<String> tags = strings(body, "tags");
      if (tags.size() > MAX_TAGS || !tags.stream().allMatch(t -> TAG.matcher(t).matches())) {
        throw new IllegalArgumentException("tags must be at most " + MAX_TAGS + " words of letters, digits, _ or -");
      }
      Object ttlValue = body.getValue("ttlSeconds");
      if (ttlValue != null && !(ttlValue instanceof Integer || ttlValue instanceof Long)) {
        throw new IllegalArgumentException("ttlSeconds must be a whole number");
      }
      long ttl = ttlValue == null ? DEFAULT_TTL_SECONDS : ((Number) ttlValue).longValue();
      if (ttl < 1 || ttl > MAX_TTL_SECONDS) {
        throw new IllegalArgumentException("ttlSeconds must be between 1 and " + MAX_TTL_SECONDS);
      }
      String token = minter.mint(sub, name == null || name.isBlank() ? sub : name, roles, tags, Duration.ofSeconds(ttl));
      ctx.json(new JsonObject().put("token", token));
    } catch (IllegalArgumentException e) {
      badRequest(ctx, e.getMessage());
    }
  }

  private static String string(JsonObject body, String key) {
    Object value = body.getValue(key);
    if (value != null && !(value instanceof String)) {
      throw new IllegalArgumentException(key + " must be a string");
    }
    return (String) value;
  }

  private static List<String> strings(JsonObject body, String key) {
    Object value = body.getValue(key);
    if (value != null && !(value instanceof JsonArray)) {
      throw new IllegalArgumentException(key + " must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    if (value != null) {
      for (Object o : (JsonArray) value) {
        if (!(o instanceof String s)) {
          throw new IllegalArgumentException(key + " must be a list of strings");
        }
        out.add(s.trim());
      }
    }
    return out;
  }

  private static void badRequest(RoutingContext ctx, String message) {
    ctx.response().setStatusCode(400);
    ctx.json(new JsonObject().put("error", message));
  }
}
