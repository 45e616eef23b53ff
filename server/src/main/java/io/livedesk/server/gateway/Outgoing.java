package io.livedesk.server.gateway;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameCodec;
import io.vertx.core.buffer.Buffer;

/**
 * A frame on its way to one or many sessions, encoded at most once per encoding however many
 * sockets it is written to: a room broadcast costs one encoding, not one per viewer.
 */
public final class Outgoing {

  private final Frame frame;
  private volatile String json;
  private volatile Buffer binary;

  public Outgoing(Frame frame) {
    this.frame = frame;
  }

  public Frame frame() {
    return frame;
  }

  String json() {
    String j = json;
    if (j == null) {
      json = j = FrameCodec.toJson(frame);
    }
    return j;
  }

  Buffer binary() {
    Buffer b = binary;
    if (b == null) {
      binary = b = Buffer.buffer(FrameCodec.toBinary(frame));
    }
    return b;
  }
}
