package io.livedesk.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One upgraded WebSocket as a plain Netty handler, last in its channel's pipeline behind Netty's
 * frame decoder and encoder. Vert.x's HTTP connection is gone from the pipeline once the upgrade is
 * answered, so a session costs what the channel and these few objects cost: no Vert.x inbound or
 * outbound queues, no request headers. Buffers exist only while a frame is read or written (the
 * decoder's cumulation is released between frames; writes wrap the pre-encoded bytes).
 *
 * <p>Every inbound event runs on the channel's event loop, which is the gateway's own, inside the
 * gateway's Vert.x context, so the gateway's frame code, timers and futures see the same thread
 * as before. Writes may come from any thread; they are moved onto the loop, where the close state
 * lives, so nothing is written after the close frame.
 */
final class WsConnection extends ChannelInboundHandlerAdapter implements Link {

  /**
   * How long a connection that sent its close frame waits for the peer's before the TCP connection
   * is dropped (Vert.x's webSocketClosingTimeout default). Closing at once could reset a connection
   * whose peer is still sending, and the peer would then lose the close frame and its code.
   */
  static final long CLOSE_GRACE_MS = 10_000;
  private static final Logger log = LoggerFactory.getLogger(WsConnection.class);

  private final Channel channel;
  private final ContextInternal context;
  private final Gateway gateway;
  private Session session;
  // Touched only on the channel's event loop.
  private boolean closeSent;
  /**
   * Between the reads of one batch from the socket and its channelReadComplete: answers written
   * meanwhile are flushed together once the batch is read (as Vert.x did), not one syscall each.
   */
  private boolean reading;
  private boolean flushOwed;
  private ScheduledFuture<?> closeTimer;
  /** The close code this side sent, else the one the peer sent; 1006 when neither did. */
  private int closeCode = 1006;

  WsConnection(Channel channel, ContextInternal context, Gateway gateway) {
    this.channel = channel;
    this.context = context;
    this.gateway = gateway;
  }

  /** Set once, before the handler joins the pipeline: the session this socket carries. */
  void carry(Session session) {
    this.session = session;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    reading = true;
    if (!(msg instanceof WebSocketFrame frame)) {
      // What Vert.x's HTTP decoder still held for the upgrade request (its empty last content).
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!(frame instanceof PingWebSocketFrame || frame instanceof PongWebSocketFrame || frame instanceof CloseWebSocketFrame)) {
      if (closeSent) {
        // Data after our close frame is read and dropped: the peer has not seen the close yet.
        frame.release();
      } else {
        context.emit(frame, f -> {
          try {
            gateway.wireFrame(session, f);
          } finally {
            f.release();
          }
        });
      }
      return;
    }
    try {
      if (frame instanceof PingWebSocketFrame) {
        session.lastReceivedAt = System.currentTimeMillis();
        if (!closeSent) {
          ctx.write(new PongWebSocketFrame(frame.content().retain()), ctx.voidPromise());
          flushOwed = true;
        }
      } else if (frame instanceof PongWebSocketFrame) {
        session.lastReceivedAt = System.currentTimeMillis();
      } else {
        peerClosed((CloseWebSocketFrame) frame);
      }
    } finally {
      frame.release();
    }
  }

  private void peerClosed(CloseWebSocketFrame close) {
    if (closeSent) {
      channel.close();
      return;
    }
    int code = close.statusCode();
    closeCode = code < 0 ? 1005 : code;
    closeSent = true;
    // Echo the code (RFC 6455 5.5.1), then end the TCP connection: the server closes first.
    CloseWebSocketFrame answer = code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
    channel.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    reading = false;
    if (flushOwed) {
      flushOwed = false;
      ctx.flush();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeSent = true;
    if (closeTimer != null) {
      closeTimer.cancel(false);
    }
    int code = closeCode;
    context.emit(null, v -> gateway.closed(session, code));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Protocol violations were already answered by the frame decoder (1002, 1009) as it saw them.
    log.debug("websocket error session={} cause={}", session.id(), cause.toString());
    if (!(cause instanceof CorruptedWebSocketFrameException)) {
      // The decoder closes after its close frame is written; closing here could cut that frame off.
      ctx.close();
    }
  }

  @Override
  public void write(boolean text, byte[] payload, Runnable written) {
    // Wrapped, not copied: the bytes are the frame's one encoding, shared by every recipient.
    writeOnLoop(text ? new TextWebSocketFrame(Unpooled.wrappedBuffer(payload))
        : new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)), written);
  }

  @Override
  public void writeFramed(ByteBuf frame, Runnable written) {
    writeOnLoop(frame, written);
  }

  /** On the channel's loop: at once when called there (a room's writes are), else queued to it. */
  private void writeOnLoop(Object frame, Runnable written) {
    if (channel.eventLoop().inEventLoop()) {
      writeNow(frame, written);
    } else {
      channel.eventLoop().execute(() -> writeNow(frame, written));
    }
  }

  /**
   * A {@link WebSocketFrame} goes through Netty's frame encoder; a {@link ByteBuf} is a frame
   * already framed, which that encoder lets through as it is (no extension is ever negotiated, so
   * nothing else in the pipeline changes a frame's bytes).
   */
  private void writeNow(Object frame, Runnable written) {
    if (closeSent) {
      ReferenceCountUtil.release(frame);
      written.run();
      return;
    }
    if (reading) {
      channel.write(frame).addListener(f -> written.run());
      flushOwed = true;
    } else {
      channel.writeAndFlush(frame).addListener(f -> written.run());
    }
  }

  @Override
  public void ping() {
    if (channel.eventLoop().inEventLoop()) {
      pingNow();
    } else {
      channel.eventLoop().execute(this::pingNow);
    }
  }

  private void pingNow() {
    if (!closeSent) {
      channel.writeAndFlush(new PingWebSocketFrame(Unpooled.EMPTY_BUFFER), channel.voidPromise());
    }
  }

  @Override
  public void close(int code, String reason) {
    if (channel.eventLoop().inEventLoop()) {
      closeNow(code, reason);
    } else {
      channel.eventLoop().execute(() -> closeNow(code, reason));
    }
  }

  private void closeNow(int code, String reason) {
    if (closeSent || !channel.isActive()) {
      return;
    }
    closeSent = true;
    closeCode = code;
    channel.writeAndFlush(new CloseWebSocketFrame(code, reason));
    closeTimer = channel.eventLoop().schedule(() -> {
      channel.close();
    }, CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
  }
}
