package io.livedesk.server.gateway;

import io.livedesk.protocol.Frame;
import io.vertx.core.Future;

/**
 * Handles one type of client frame. Answers with the reply's body (the gateway sets
 * {@code reply_to}), or null when nothing is owed; fails with a
 * {@link io.livedesk.protocol.FrameException} to answer with an error frame.
 */
@FunctionalInterface
public interface FrameHandler {
  Future<Frame.Builder> handle(Session session, Frame frame);
}
