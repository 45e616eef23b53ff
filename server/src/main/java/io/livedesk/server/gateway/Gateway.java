package io.livedesk.server.gateway;

import io.livedesk.protocol.CloseCode;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Errors;
import io.livedesk.protocol.ConversationCursor;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Resume;
import io.livedesk.protocol.FrameCodec;
import io.livedesk.protocol.FrameException;
import io.livedesk.protocol.Limits;
import io.livedesk.protocol.Welcome;
import io.livedesk.server.auth.AuthException;
import io.livedesk.server.auth.Principal;
import io.livedesk.server.auth.Role;
import io.livedesk.server.store.StoreUnavailableException;
import io.livedesk.server.auth.TokenVerifier;
import io.livedesk.server.metrics.EventLoopLag;
import io.livedesk.server.metrics.Metrics;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The edge of the node, one instance per event loop: HTTP routes and the {@code /ws} WebSocket
 * endpoint. It authenticates, enforces frame size, rate and abuse limits, decodes frames in
 * either encoding and hands them to the {@link FrameRouter}; it never blocks.
 */
public final class Gateway extends VerticleBase {

  public static final String WS_PATH = "/ws";
  /**
   * Netty's own frame limit, as a multiple of ours: up to it the gateway answers an oversized frame
   * with 1009 itself; beyond it Netty drops the connection on the frame's header, without reading
   * (or buffering) its payload. Small, because every open socket may hold up to this much.
   */
  private static final int TRANSPORT_LIMIT_FACTOR = 4;
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final GatewayServices services;
  private final GatewayConfig config;
  private final Set<Session> local = new HashSet<>();
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
  private EventLoopLag lag;
  private HttpServer server;
  private long sweepTimer = -1;

  public Gateway(GatewayServices services) {
    this.services = services;
    this.config = services.config();
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    services.routes().forEach(r -> r.mount(router));
    router.route().failureHandler(Gateway::httpFailure);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(services.http().host())
        .setPort(services.http().port())
        .setMaxWebSocketFrameSize(config.maxFrameBytes() * TRANSPORT_LIMIT_FACTOR)
        .setMaxWebSocketMessageSize(config.maxFrameBytes() * TRANSPORT_LIMIT_FACTOR)
        .setWebSocketSubProtocols(List.of(Encoding.JSON.subprotocol(), Encoding.PROTOBUF.subprotocol()))
        .setRegisterWebSocketWriteHandlers(false)
        // Every HTTP response is written on its event loop, so the connection needs no
        // cross-thread write queue: a WebSocket keeps its upgrade connection alive, and that
        // queue alone (a 1024-slot MPSC chunk) cost ~4.8 KB per idle session. WebSocket writes
        // are unaffected: Vert.x gives the WebSocket connection a queue of its own.
        .setStrictThreadMode(true)
        // Every connection must send something within the handshake timeout: a socket that connects
        // and stalls (half a request line, say) or an idle kept-alive HTTP connection is closed.
        // A WebSocket drops this deadline once upgraded (see unlimitedRead) and lives by the
        // gateway's own idle timeout, which counts pongs to its pings.
        .setReadIdleTimeout(config.handshakeTimeoutMs())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    server = vertx.createHttpServer(options)
        .connectionHandler(this::accepted)
        .webSocketHandshakeHandler(this::handshake)
        .webSocketHandler(this::connected)
        .requestHandler(router);
    lag = new EventLoopLag(vertx, config.lagWindowSeconds());
    lag.start();
    services.lagProbes().add(lag);
    sweepTimer = vertx.setPeriodic(1000, id -> sweep());
    return server.listen().onSuccess(s -> services.boundPort().compareAndSet(0, s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    lag.stop();
    services.lagProbes().remove(lag);
    new ArrayList<>(local).forEach(s -> s.close(CloseCode.GOING_AWAY));
    return server.close();
  }

  /**
   * A connection as Vert.x makes it known (with its first request): refused at once past the
   * node's connection caps. Sockets that never get that far are shed by the read deadline.
   */
  private void accepted(HttpConnection connection) {
    SocketAddress peer = connection.remoteAddress();
    String ip = peer == null ? "?" : peer.hostAddress();
    if (!services.connections().admit(ip)) {
      services.metrics().error(ErrorCode.TOO_MANY_CONNECTIONS);
      connection.close();
      return;
    }
    connection.closeHandler(v -> services.connections().release(ip));
  }

  /** Checks before a socket exists: path, browser origin, handshake rate of the address. */
  private void handshake(ServerWebSocketHandshake handshake) {
    if (!WS_PATH.equals(handshake.path())) {
      handshake.reject(404);
      return;
    }
    String origin = handshake.headers().get("Origin");
    if (origin != null && !config.allowedOrigins().isEmpty() && !config.allowedOrigins().contains(origin)) {
      handshake.reject(403);
      return;
    }
    String ip = ClientAddress.of(handshake.remoteAddress() == null ? "?" : handshake.remoteAddress().hostAddress(),
        handshake.headers(), config.trustedProxies());
    TokenBucket bucket = services.handshakesByIp().computeIfAbsent(ip,
        a -> new TokenBucket(config.connectsPerSecondPerIp(), 2.0 * config.connectsPerSecondPerIp(), System.currentTimeMillis()));
    if (!bucket.take(System.currentTimeMillis())) {
      services.metrics().error(ErrorCode.RATE_LIMITED);
      handshake.reject(429);
      return;
    }
    handshake.accept();
  }

  private void connected(ServerWebSocket ws) {
    long now = System.currentTimeMillis();
    Session session = new Session(Long.toHexString(ThreadLocalRandom.current().nextLong()), ws,
        Encoding.of(ws.subProtocol()), services.metrics(),
        new TokenBucket(config.framesPerSecond(), config.frameBurst(), now), now, config.maxPendingBytes());
    ws.setWriteQueueMaxSize(config.maxPendingWrites());
    unlimitedRead(ws);
    services.metrics().connectionOpened();
    local.add(session);
    ws.frameHandler(frame -> wireFrame(session, frame));
    ws.pongHandler(b -> session.lastReceivedAt = System.currentTimeMillis());
    ws.exceptionHandler(e -> log.debug("websocket error session={} cause={}", session.id(), e.toString()));
    ws.closeHandler(v -> closed(session, ws));
    String token = tokenOf(ws);
    if (token != null) {
      authenticate(session, token, "", List.of());
    } else {
      session.helloTimer = vertx.setTimer(services.helloTimeoutMs(), id -> {
        if (session.principal() == null) {
          reject(session, "", ErrorCode.AUTH_TIMEOUT, "no hello with a token within " + services.helloTimeoutMs() + " ms");
          session.close(CloseCode.AUTH_TIMEOUT);
        }
      });
    }
  }

  /**
   * Removes the HTTP read deadline from an upgraded connection: a WebSocket client may rightly
   * stay silent between pings, and the sweep closes it after idleTimeoutSeconds instead. Runs on
   * the connection's event loop, as the pipeline requires.
   */
  private static void unlimitedRead(ServerWebSocket ws) {
    if (ws instanceof WebSocketInternal internal) {
      ChannelPipeline pipeline = internal.channelHandlerContext().pipeline();
      IdleStateHandler deadline = pipeline.get(IdleStateHandler.class);
      if (deadline != null) {
        pipeline.remove(deadline);
      }
    }
  }

  private static String tokenOf(ServerWebSocket ws) {
    String header = ws.headers().get("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    List<String> param = new QueryStringDecoder(ws.uri()).parameters().get("access_token");
    return param == null || param.isEmpty() ? null : param.get(0);
  }

  /**
   * Reassembles fragmented messages within the frame size limit and checks text is valid UTF-8,
   * so both limits close with their RFC codes (1009, 1007) whatever the client library does.
   */
  private void wireFrame(Session session, WebSocketFrame frame) {
    long now = System.currentTimeMillis();
    session.lastReceivedAt = now;
    if (frame.isText() || frame.isBinary()) {
      if (frame.isFinal()) {
        message(session, frame.isText(), frame.binaryData(), now);
      } else if (frame.binaryData().length() > config.maxFrameBytes()) {
        // The first fragment alone is over the limit: close now rather than wait for the rest.
        session.close(CloseCode.MESSAGE_TOO_BIG);
      } else {
        // A growable copy: an empty first fragment comes in a fixed, empty buffer.
        session.partial = Buffer.buffer(Math.max(256, frame.binaryData().length())).appendBuffer(frame.binaryData());
        session.partialIsText = frame.isText();
      }
    } else if (frame.isContinuation() && session.partial != null) {
      session.partial.appendBuffer(frame.binaryData());
      if (session.partial.length() > config.maxFrameBytes()) {
        session.partial = null;
        session.close(CloseCode.MESSAGE_TOO_BIG);
      } else if (frame.isFinal()) {
        Buffer whole = session.partial;
        session.partial = null;
        message(session, session.partialIsText, whole, now);
      }
    }
  }

  private void message(Session session, boolean isText, Buffer data, long now) {
    if (data.length() > config.maxFrameBytes()) {
      session.close(CloseCode.MESSAGE_TOO_BIG);
      return;
    }
    String text = null;
    if (isText) {
      try {
        text = utf8.decode(java.nio.ByteBuffer.wrap(data.getBytes())).toString();
      } catch (CharacterCodingException e) {
        services.metrics().error(ErrorCode.BAD_FRAME);
        session.close(CloseCode.INVALID_PAYLOAD);
        return;
      }
    }
    received(session, text, isText ? null : data, now);
  }

  private void received(Session session, String text, Buffer bytes, long now) {
    if (!session.rate.take(now) || (session.principal() != null && !services.sessions().takeUserFrame(session.userId(), now))) {
      // The refusal names the frame it refuses, so a client can retry exactly that one.
      String refused = idOf(text, bytes);
      if (++session.rateStrikes >= config.rateLimitStrikes()) {
        reject(session, refused, ErrorCode.RATE_LIMITED, "rate limit exceeded repeatedly; closing");
        session.close(CloseCode.RATE_LIMITED);
      } else {
        reject(session, refused, ErrorCode.RATE_LIMITED, "more than " + config.framesPerSecond()
            + " frames per second on this connection or " + config.userFramesPerSecond() + " for this user");
      }
      return;
    }
    session.rateStrikes = 0;
    Frame frame;
    try {
      frame = text != null ? FrameCodec.fromJson(text) : FrameCodec.fromBinary(bytes.getBytes());
    } catch (FrameException e) {
      badFrame(session, text == null ? "" : FrameCodec.idOf(text), e.code(), e.getMessage());
      return;
    }
    services.metrics().frameIn(frame.getBodyCase());
    if (session.principal() == null) {
      if (frame.hasHello()) {
        authenticate(session, frame.getHello().getToken(), frame.getId(), frame.getHello().getResumeList());
      } else {
        badFrame(session, frame.getId(), ErrorCode.NOT_AUTHENTICATED, "send hello with a token first");
      }
      return;
    }
    if (frame.hasHello()) {
      reject(session, frame.getId(), ErrorCode.ALREADY_AUTHENTICATED, "this connection is already authenticated");
      return;
    }
    route(session, frame);
  }

  /** The id of a frame that is not otherwise decoded: a bounded look for JSON, a parse for protobuf. */
  private static String idOf(String text, Buffer bytes) {
    if (text != null) {
      return FrameCodec.idOf(text);
    }
    try {
      return FrameCodec.fromBinary(bytes.getBytes()).getId();
    } catch (FrameException e) {
      return "";
    }
  }

  /** Hands an authenticated client frame to its concern and answers with its reply or error. */
  private void route(Session session, Frame frame) {
    services.frames().dispatch(session, frame).onComplete(ar -> {
      if (ar.succeeded()) {
        if (ar.result() != null) {
          session.send(ar.result().setReplyTo(frame.getId()).build());
        }
      } else if (ar.cause() instanceof FrameException e) {
        if (e.code() == ErrorCode.FORBIDDEN) {
          badFrame(session, frame.getId(), e.code(), e.getMessage());
        } else {
          reject(session, frame.getId(), e.code(), e.getMessage());
        }
      } else if (ar.cause() instanceof StoreUnavailableException e) {
        reject(session, frame.getId(), ErrorCode.STORE_UNAVAILABLE, e.getMessage());
      } else {
        log.warn("handler failed type={} session={} cause={}", frame.getBodyCase(), session.id(), ar.cause().toString());
        reject(session, frame.getId(), ErrorCode.INTERNAL, "internal error; try again");
      }
    });
  }

  private void authenticate(Session session, String token, String replyTo, List<ConversationCursor> resume) {
    Principal principal;
    try {
      principal = services.verifier().verify(token);
    } catch (AuthException e) {
      reject(session, replyTo, e.errorCode(), e.getMessage());
      session.close(e.closeCode());
      return;
    }
    if (session.helloTimer >= 0) {
      vertx.cancelTimer(session.helloTimer);
      session.helloTimer = -1;
    }
    session.authenticate(principal);
    if (!services.sessions().add(session, config.maxConnectionsPerUser())) {
      session.authenticate(null);
      reject(session, replyTo, ErrorCode.TOO_MANY_CONNECTIONS,
          "at most " + config.maxConnectionsPerUser() + " connections per user");
      session.close(CloseCode.TOO_MANY_CONNECTIONS);
      return;
    }
    Future<Void> reachable = principal.reachable() ? services.delivery().attach(principal.userId()) : Future.succeededFuture();
    reachable.onComplete(ar -> {
      if (!session.isOpen()) {
        return;
      }
      session.send(Frame.newBuilder().setReplyTo(replyTo).setWelcome(welcome(session, principal)).build());
      services.events().opened(session);
      if (!resume.isEmpty()) {
        // Cursors in hello are the same as a Resume sent right after it.
        route(session, Frame.newBuilder().setId(replyTo).setResume(Resume.newBuilder().addAllCursors(resume)).build());
      }
    });
  }

  private Welcome welcome(Session session, Principal p) {
    return Welcome.newBuilder()
        .setSessionId(session.id())
        .setUserId(p.userId())
        .addAllRoles(p.roles().stream().map(Role::claim).toList())
        .addAllTags(p.tags())
        .setNodeId(services.nodeId())
        .setServerTime(System.currentTimeMillis())
        .setTokenExpiresAt(p.expiresAt())
        .setEncoding(session.encoding() == Encoding.JSON ? "json" : "protobuf")
        .setLimits(Limits.newBuilder()
            .setMaxFrameBytes(config.maxFrameBytes())
            .setFramesPerSecond(config.framesPerSecond())
            .setFrameBurst(config.frameBurst())
            .setPingIntervalSeconds(config.pingIntervalSeconds())
            .setIdleTimeoutSeconds(config.idleTimeoutSeconds()))
        .build();
  }

  /**
   * A failed HTTP request (an oversized body, say) is answered with its status and a JSON reason;
   * only server faults are logged, so bad requests cannot flood the log.
   */
  private static void httpFailure(RoutingContext ctx) {
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    if (status >= 500) {
      log.warn("http request failed path={} cause={}", ctx.normalizedPath(), String.valueOf(ctx.failure()));
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    HttpError.send(ctx, status, status >= 500 ? "internal error" : HttpResponseStatus.valueOf(status).reasonPhrase().toLowerCase());
  }

  /** A frame that was malformed or forbidden: answered, and counted towards closing the connection. */
  private void badFrame(Session session, String replyTo, ErrorCode code, String message) {
    reject(session, replyTo, code, message);
    if (++session.badFrames >= config.maxBadFrames()) {
      session.close(CloseCode.ABUSE);
    }
  }

  private void reject(Session session, String replyTo, ErrorCode code, String message) {
    services.metrics().error(code);
    session.send(Errors.frame(replyTo, code, message));
  }

  private void closed(Session session, ServerWebSocket ws) {
    session.markClosed();
    local.remove(session);
    if (session.helloTimer >= 0) {
      vertx.cancelTimer(session.helloTimer);
    }
    Short code = ws.closeStatusCode();
    services.metrics().closed(code == null ? 1006 : code);
    Principal p = session.principal();
    if (p != null) {
      if (services.sessions().remove(session) && p.reachable()) {
        services.delivery().detach(p.userId());
      }
      services.events().closed(session);
    }
  }

  /**
   * Once a second: close idle and expired sessions, and ping the rest every ping interval. Each
   * session is pinged in its own second of the interval (by identity hash), so the pings, and the
   * pongs they bring back, are spread evenly instead of arriving as one burst of every session.
   * A loop too busy to sweep every second skips seconds, and with them sessions' turns; a quiet
   * session whose turn was missed is pinged at the next sweep, long before its idle limit.
   */
  private void sweep() {
    long now = System.currentTimeMillis();
    long second = now / 1000;
    int interval = Math.max(1, config.pingIntervalSeconds());
    long overdue = interval * 1500L;
    long idleLimit = config.idleTimeoutSeconds() * 1000L;
    List<Session> expired = new ArrayList<>();
    List<Session> idle = new ArrayList<>();
    for (Session s : local) {
      Principal p = s.principal();
      if (now - s.lastReceivedAt > idleLimit) {
        idle.add(s);
      } else if (p != null && p.expiresAt() + services.clockSkewMs() < now) {
        expired.add(s);
      } else if (Math.floorMod(second + System.identityHashCode(s), interval) == 0
          || now - Math.max(s.lastReceivedAt, s.lastPingAt) > overdue) {
        s.lastPingAt = now;
        s.socket().writePing(Buffer.buffer());
      }
    }
    idle.forEach(s -> s.close(CloseCode.GOING_AWAY));
    services.handshakesByIp().values().removeIf(bucket -> bucket.full(now));
    expired.forEach(s -> {
      reject(s, "", ErrorCode.TOKEN_EXPIRED, "token expired; refresh it before it does");
      s.close(CloseCode.TOKEN_EXPIRED);
    });
  }
}
