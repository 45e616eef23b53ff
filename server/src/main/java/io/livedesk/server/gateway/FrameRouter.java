package io.livedesk.server.gateway;

import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameException;
import io.livedesk.server.auth.Role;
import io.vertx.core.Future;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The table of client frames: for each frame type, the roles allowed to send it and its handler.
 * Each concern registers its frames when the node starts; the table is read-only afterwards.
 */
public final class FrameRouter {

  public static final Set<Role> ANY_ROLE = Collections.unmodifiableSet(EnumSet.allOf(Role.class));

  private record Route(Set<Role> roles, FrameHandler handler) {
  }

  private final Map<Frame.BodyCase, Route> routes = new EnumMap<>(Frame.BodyCase.class);

  public FrameRouter register(Frame.BodyCase type, Set<Role> roles, FrameHandler handler) {
    Objects.requireNonNull(handler, "handler");
    if (routes.putIfAbsent(type, new Route(Set.copyOf(roles), handler)) != null) {
      throw new IllegalStateException(type + " already has a handler");
    }
    return this;
  }

  /** Whether a frame type is refused for lack of role; a forbidden frame counts against the connection. */
  boolean forbidden(Session session, Frame.BodyCase type) {
    Route route = routes.get(type);
    return route != null && route.roles().stream().noneMatch(session.principal()::has);
  }

  Future<Frame.Builder> dispatch(Session session, Frame frame) {
    Route route = routes.get(frame.getBodyCase());
    if (route == null) {
      return Future.failedFuture(new FrameException(ErrorCode.UNKNOWN_TYPE,
          frame.getBodyCase().name().toLowerCase() + " is not accepted from clients by this server"));
    }
    if (forbidden(session, frame.getBodyCase())) {
      return Future.failedFuture(new FrameException(ErrorCode.FORBIDDEN,
          "your roles may not send " + frame.getBodyCase().name().toLowerCase()));
    }
    String outOfRange = NumericRange.outOfRange(frame);
    if (outOfRange != null) {
      return Future.failedFuture(new FrameException(ErrorCode.INVALID_ARGUMENT,
          outOfRange + " is out of range: numbers are unsigned and at most " + Integer.MAX_VALUE + " (64-bit times at most " + Long.MAX_VALUE + ")"));
    }
    try {
      return route.handler().handle(session, frame);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
