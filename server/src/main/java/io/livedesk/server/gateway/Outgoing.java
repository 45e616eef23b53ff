package io.livedesk.server.gateway;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameCodec;
import java.nio.charset.StandardCharsets;

/**
 * A frame on its way to one or many sessions, encoded at most once per encoding however many
 * sockets it is written to: a room broadcast costs one encoding, not one per viewer.
 */
public final class Outgoing {

  private final Frame frame;
  private volatile byte[] json;
  private volatile byte[] binary;

  public Outgoing(Frame frame) {
    this.frame = frame;
  }

  public Frame frame() {
    return frame;
  }

  /** The JSON text as UTF-8: what a text frame carries, so it is encoded once, not per socket. */
  byte[] json() {
    byte[] j = json;
    if (j == null) {
      json = j = FrameCodec.toJson(frame).getBytes(StandardCharsets.UTF_8);
    }
    return j;
  }

  byte[] binary() {
    byte[] b = binary;
    if (b == null) {
      binary = b = FrameCodec.toBinary(frame);
    }
    return b;
  }
}
