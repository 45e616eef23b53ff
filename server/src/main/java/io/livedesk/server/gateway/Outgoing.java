package io.livedesk.server.gateway;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A frame on its way to one or many sessions, encoded at most once per encoding however many
 * sockets it is written to: a room broadcast costs one encoding, not one per viewer. A frame for
 * many ({@link #toMany}) is also framed for the WebSocket once per encoding, header and all, in
 * memory the sockets write from directly: each socket's write is then a view of those bytes, with
 * no frame object, encoder pass, buffer or copy of its own.
 */
public final class Outgoing {

  private final Frame frame;
  private final boolean many;
  private volatile byte[] json;
  private volatile byte[] binary;
  private volatile ByteBuffer jsonWire;
  private volatile ByteBuffer binaryWire;

  public Outgoing(Frame frame) {
    this(frame, false);
  }

  private Outgoing(Frame frame, boolean many) {
    this.frame = frame;
    this.many = many;
  }

  /** A frame written to many sockets (a room's): framed once per encoding, see the class comment. */
  public static Outgoing toMany(Frame frame) {
    return new Outgoing(frame, true);
  }

  public Frame frame() {
    return frame;
  }

  boolean many() {
    return many;
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

  /**
   * The whole WebSocket frame (RFC 6455 5.2: final, unmasked as a server's are) as a buffer of its
   * own for one socket's write, sharing the bytes framed once. Each call gets its own view, so the
   * loops writing it at once share nothing they change; Netty releasing a view frees nothing.
   */
  ByteBuf wire(boolean text) {
    ByteBuffer w = text ? jsonWire : binaryWire;
    if (w == null) {
      w = frame(text ? json() : binary(), text);
      if (text) {
        jsonWire = w;
      } else {
        binaryWire = w;
      }
    }
    return Unpooled.wrappedBuffer(w.duplicate());
  }

  private static ByteBuffer frame(byte[] payload, boolean text) {
    int n = payload.length;
    int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
    // Direct, so that the socket writes from it as it is (a heap buffer is copied per write).
    ByteBuffer b = ByteBuffer.allocateDirect(header + n);
    b.put((byte) (0x80 | (text ? 0x1 : 0x2)));
    if (n < 126) {
      b.put((byte) n);
    } else if (n <= 0xFFFF) {
      b.put((byte) 126).putShort((short) n);
    } else {
      b.put((byte) 127).putLong(n);
    }
    b.put(payload).flip();
    return b.asReadOnlyBuffer();
  }
}
