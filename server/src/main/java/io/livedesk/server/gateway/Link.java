package io.livedesk.server.gateway;

import io.netty.buffer.ByteBuf;

/**
 * The socket under a {@link Session}: what a session writes its frames to. Kept apart from the
 * session so that the frame logic does not depend on the transport that carries it.
 */
interface Link {

  /** Queues one whole message; {@code written} runs once it has gone to the network or cannot. */
  void write(boolean text, byte[] payload, Runnable written);

  /** Queues one whole WebSocket frame already framed, header and all (see {@link Outgoing#wire}); as {@link #write}. */
  void writeFramed(ByteBuf frame, Runnable written);

  /** Sends a WebSocket ping control frame; the peer's pong counts as activity. */
  void ping();

  /**
   * Sends a close frame with this code, then ends the connection: when the peer answers with its
   * own close frame, or after a grace period if it does not. Nothing is written after it.
   */
  void close(int code, String reason);
}
