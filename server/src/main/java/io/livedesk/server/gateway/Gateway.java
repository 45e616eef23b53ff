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
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.VertxHandler;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The edge of the node, one instance per event loop: HTTP routes and the {@code /ws} WebSocket
 * endpoint. It authenticates, enforces frame size, rate and abuse limits, decodes frames in
 * either encoding and hands them to the {@link FrameRouter}; it never blocks.
 *
 * <p>HTTP is Vert.x Web. A {@code /ws} upgrade is answered by Netty's own WebSocket handshaker on
 * the same channel and event loop, and the channel then carries a {@link WsConnection} instead of
 * Vert.x's HTTP connection: an idle session keeps only the channel, Netty's frame codec and its
 * own small state, and nothing of the upgrade request.
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
  private WebSocketServerHandshakerFactory handshakers;
  private ContextInternal loop;
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
    loop = (ContextInternal) context;
    handshakers = new WebSocketServerHandshakerFactory(WS_PATH,
        Encoding.JSON.subprotocol() + "," + Encoding.PROTOBUF.subprotocol(),
        WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(config.maxFrameBytes() * TRANSPORT_LIMIT_FACTOR)
            // Clients must mask (RFC 6455 5.1); no extensions, so no per-socket deflate state.
            .allowMaskMismatch(false)
            .allowExtensions(false)
            // A protocol violation is answered by the decoder with its close code (1002, 1009).
            .closeOnProtocolViolation(true)
            // UTF-8 is checked on whole messages by the gateway, which closes with 1007.
            .withUTF8Validator(false)
            .build());
    HttpServerOptions options = new HttpServerOptions()
        .setHost(services.http().host())
        .setPort(services.http().port())
        // Every HTTP response is written on its event loop, so the connection needs no
        // cross-thread write queue (a 1024-slot MPSC chunk, ~4.8 KB per connection).
        .setStrictThreadMode(true)
        // Every connection must send something within the handshake timeout: a socket that connects
        // and stalls (half a request line, say) or an idle kept-alive HTTP connection is closed.
        // A WebSocket drops this deadline once upgraded (see unlimitedRead) and lives by the
        // gateway's own idle timeout, which counts pongs to its pings.
        .setReadIdleTimeout(config.handshakeTimeoutMs())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        // The WebSocket edge is Netty's own (WsConnection) and speaks no extension. With these on,
        // Vert.x's pipeline kept its compression handler, which answered a client offering
        // permessage-deflate (every browser, Node's ws) with the extension and deflated frames
        // that the edge's decoder then could not read: the client saw 1006 right after opening.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false);
    server = vertx.createHttpServer(options)
        .connectionHandler(this::accepted)
        .requestHandler(req -> {
          if (req.canUpgradeToWebSocket()) {
            upgrade(req);
          } else {
            router.handle(req);
          }
        });
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
    // Released when the channel closes, not by Vert.x's close handler: an upgraded WebSocket no
    // longer has Vert.x's connection in its pipeline, so that handler would never run.
    ((ConnectionBase) connection).channel().closeFuture().addListener(f -> services.connections().release(ip));
  }

  /**
   * A WebSocket upgrade: checked before a socket exists (path, browser origin, handshake rate of
   * the address), then answered by Netty's handshaker on this channel, whose pipeline from then
   * on holds Netty's frame decoder and encoder and a {@link WsConnection}. The token is read from
   * the request here and the request is dropped: the session keeps nothing of it.
   */
  private void upgrade(HttpServerRequest req) {
    if (!WS_PATH.equals(req.path())) {
      refuse(req, 404);
      return;
    }
    String origin = req.headers().get("Origin");
    if (origin != null && !config.allowedOrigins().isEmpty() && !config.allowedOrigins().contains(origin)) {
      refuse(req, 403);
      return;
    }
    String ip = ClientAddress.of(req.remoteAddress() == null ? "?" : req.remoteAddress().hostAddress(),
        req.headers(), config.trustedProxies());
    TokenBucket bucket = services.handshakesByIp().computeIfAbsent(ip,
        a -> new TokenBucket(config.connectsPerSecondPerIp(), 2.0 * config.connectsPerSecondPerIp(), System.currentTimeMillis()));
    if (!bucket.take(System.currentTimeMillis())) {
      services.metrics().error(ErrorCode.RATE_LIMITED);
      refuse(req, 429);
      return;
    }
    HttpHeaders headers = new DefaultHttpHeaders();
    for (Map.Entry<String, String> h : req.headers()) {
      headers.add(h.getKey(), h.getValue());
    }
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, req.uri(),
        Unpooled.EMPTY_BUFFER, headers, EmptyHttpHeaders.INSTANCE);
    WebSocketServerHandshaker handshaker = handshakers.newHandshaker(request);
    if (handshaker == null) {
      req.response().setStatusCode(426).putHeader("Sec-WebSocket-Version", "13").end();
      return;
    }
    Channel channel = ((ConnectionBase) req.connection()).channel();
    String token = tokenOf(req);
    // The socket's events run in this gateway's context, on the loop the channel is registered with
    // (the same one: Vert.x gives a verticle's server the verticle's loop); shared, not per session.
    ContextInternal events = loop.nettyEventLoop() == channel.eventLoop() ? loop : ContextInternal.current().unwrap();
    WsConnection link = new WsConnection(channel, events, this);
    long now = System.currentTimeMillis();
    ChannelPipeline pipeline = channel.pipeline();
    try {
      // Replaces Vert.x's HTTP decoder with the frame decoder, puts the frame encoder before the
      // HTTP encoder and writes 101; the HTTP encoder goes once the 101 is written.
      handshaker.handshake(channel, request).addListener(f -> {
        if (!f.isSuccess()) {
          channel.close();
        }
      });
    } catch (WebSocketHandshakeException e) {
      // Thrown before the pipeline is touched: a malformed upgrade (no key, say) is a bad request.
      refuse(req, 400);
      return;
    }
    Session session = new Session(Long.toHexString(ThreadLocalRandom.current().nextLong()), link,
        Encoding.of(handshaker.selectedSubprotocol()), services.metrics(),
        new TokenBucket(config.framesPerSecond(), config.frameBurst(), now), now,
        config.maxPendingWrites(), config.maxPendingBytes());
    link.carry(session);
    // The HTTP read deadline goes: a WebSocket client may rightly stay silent between pings, and
    // the sweep closes it after idleTimeoutSeconds instead. So do the HTTP-only handlers.
    IdleStateHandler deadline = pipeline.get(IdleStateHandler.class);
    if (deadline != null) {
      pipeline.remove(deadline);
    }
    ChunkedWriteHandler chunked = pipeline.get(ChunkedWriteHandler.class);
    if (chunked != null) {
      pipeline.remove(chunked);
    }
    pipeline.replace(VertxHandler.class, "ws", link);
    // Vert.x may have paused reading for its request; the socket reads on its own from now.
    channel.config().setAutoRead(true);
    connected(session, token);
  }

  private static void refuse(HttpServerRequest req, int status) {
    req.response().setStatusCode(status).end(HttpResponseStatus.valueOf(status).reasonPhrase());
  }

  private void connected(Session session, String token) {
    services.metrics().connectionOpened();
    local.add(session);
    if (token != null) {
      authenticate(session, token, "", List.of());
    } else {
      session.helloTimer = vertx.setTimer(services.helloTimeoutMs(), id -> {
        if (session.principal() != null) {
          return;
        }
        // The loop runs what fell due between its reads of the sockets: a loop kept busy (a
        // reconnect storm's handshakes) meets this timer before a hello that came in time and
        // waits unread. A timer set now falls due after the loop's next read, hello and all.
        session.helloTimer = vertx.setTimer(1, last -> {
          if (session.principal() == null) {
            reject(session, "", ErrorCode.AUTH_TIMEOUT, "no hello with a token within " + services.helloTimeoutMs() + " ms");
            session.close(CloseCode.AUTH_TIMEOUT);
          }
        });
      });
    }
  }

  private static String tokenOf(HttpServerRequest req) {
    String header = req.headers().get("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    List<String> param = new QueryStringDecoder(req.uri()).parameters().get("access_token");
    return param == null || param.isEmpty() ? null : param.get(0);
  }

  /**
   * Reassembles fragmented messages within the frame size limit and checks text is valid UTF-8,
   * so both limits close with their RFC codes (1009, 1007) whatever the client library does.
   */
  void wireFrame(Session session, WebSocketFrame frame) {
    long now = System.currentTimeMillis();
    session.lastReceivedAt = now;
    ByteBuf data = frame.content();
    if (!(frame instanceof ContinuationWebSocketFrame)) {
      boolean isText = frame instanceof TextWebSocketFrame;
      if (frame.isFinalFragment()) {
        message(session, isText, ByteBufUtil.getBytes(data), now);
      } else if (data.readableBytes() > config.maxFrameBytes()) {
        // The first fragment alone is over the limit: close now rather than wait for the rest.
        session.close(CloseCode.MESSAGE_TOO_BIG);
      } else {
        // A growable copy, held only until the message is complete.
        session.partial = Buffer.buffer(Math.max(256, data.readableBytes())).appendBytes(ByteBufUtil.getBytes(data));
        session.partialIsText = isText;
      }
    } else if (session.partial != null) {
      session.partial.appendBytes(ByteBufUtil.getBytes(data));
      if (session.partial.length() > config.maxFrameBytes()) {
        session.partial = null;
        session.close(CloseCode.MESSAGE_TOO_BIG);
      } else if (frame.isFinalFragment()) {
        Buffer whole = session.partial;
        session.partial = null;
        message(session, session.partialIsText, whole.getBytes(), now);
      }
    }
  }

  private void message(Session session, boolean isText, byte[] data, long now) {
    if (data.length > config.maxFrameBytes()) {
      session.close(CloseCode.MESSAGE_TOO_BIG);
      return;
    }
    String text = null;
    if (isText) {
      try {
        text = utf8.decode(java.nio.ByteBuffer.wrap(data)).toString();
      } catch (CharacterCodingException e) {
        services.metrics().error(ErrorCode.BAD_FRAME);
        session.close(CloseCode.INVALID_PAYLOAD);
        return;
      }
    }
    received(session, text, isText ? null : data, now);
  }

  private void received(Session session, String text, byte[] bytes, long now) {
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
      frame = text != null ? FrameCodec.fromJson(text) : FrameCodec.fromBinary(bytes);
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
  private static String idOf(String text, byte[] bytes) {
    if (text != null) {
      return FrameCodec.idOf(text);
    }
    try {
      return FrameCodec.fromBinary(bytes).getId();
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

  /** The connection has ended; {@code code} is the close code sent or received, 1006 when none was. */
  void closed(Session session, int code) {
    session.markClosed();
    local.remove(session);
    if (session.helloTimer >= 0) {
      vertx.cancelTimer(session.helloTimer);
    }
    services.metrics().closed(code);
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
        s.link().ping();
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
