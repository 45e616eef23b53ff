package io.livedesk.server.gateway;

import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameException;
import io.livedesk.protocol.Pong;
import io.livedesk.protocol.TokenRefreshed;
import io.livedesk.server.auth.AuthException;
import io.livedesk.server.auth.Principal;
import io.livedesk.server.auth.TokenVerifier;
import io.vertx.core.Future;

/** The session family every node answers: application ping and token refresh. */
public final class SessionFrames {

  private final TokenVerifier verifier;

  public SessionFrames(TokenVerifier verifier) {
    this.verifier = verifier;
  }

  public void register(FrameRouter frames) {
    frames.register(Frame.BodyCase.PING, FrameRouter.ANY_ROLE, this::ping);
    frames.register(Frame.BodyCase.REFRESH_TOKEN, FrameRouter.ANY_ROLE, this::refresh);
  }

  private Future<Frame.Builder> ping(Session session, Frame frame) {
    return Future.succeededFuture(Frame.newBuilder().setPong(Pong.newBuilder()
        .setClientTime(frame.getPing().getClientTime())
        .setServerTime(System.currentTimeMillis())));
  }

  /**
   * A fresh token keeps the session alive past the old token's expiry; it must name the same user
   * with the same roles. What a session may do and who can reach it (its event-bus address, agent
   * presence, supervisor views, room staff) were set up for its roles when it opened; a token with
   * other roles takes effect on a new connection, where every concern sees it from the start.
   */
  private Future<Frame.Builder> refresh(Session session, Frame frame) {
    Principal fresh;
    try {
      fresh = verifier.verify(frame.getRefreshToken().getToken());
    } catch (AuthException e) {
      return Future.failedFuture(new FrameException(e.errorCode(), e.getMessage()));
    }
    if (!fresh.userId().equals(session.userId())) {
      return Future.failedFuture(new FrameException(ErrorCode.TOKEN_INVALID, "the new token is for another user"));
    }
    if (!fresh.roles().equals(session.principal().roles())) {
      return Future.failedFuture(new FrameException(ErrorCode.TOKEN_INVALID,
          "the new token has other roles than this connection; open a new connection with it"));
    }
    session.authenticate(fresh);
    return Future.succeededFuture(Frame.newBuilder().setTokenRefreshed(
        TokenRefreshed.newBuilder().setExpiresAt(fresh.expiresAt())));
  }
}
