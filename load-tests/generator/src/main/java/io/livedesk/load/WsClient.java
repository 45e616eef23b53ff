package io.livedesk.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client with only what the generator needs, on Netty directly: the upgrade request
 * written as one buffer, the 101 checked by its status line, then frames read straight off the
 * socket (text handed over as a String, pings answered, a close answered and reported). The
 * Vert.x client it replaces in the connect benchmarks cost about as much CPU per connect as the
 * server's whole accept, upgrade and authentication (0.67 ms of event loop per connect in
 * {@link Churn}: a connection object, a pipeline, promises and headers per socket), so on a
 * machine the generator shares with the server the figures measured the generator.
 */
final class WsClient implements AutoCloseable {

  /** What one socket reports; every call runs on the socket's event loop. */
  interface Listener {
    void opened(Link link);

    void text(Link link, String text);

    /**
     * A message before it is decoded: returns true when it was handled here, false to have it
     * decoded and passed to {@link #text}. The generator counts a broadcast's deliveries from the
     * bytes, without a String per frame. The buffer is valid only during the call.
     */
    default boolean message(Link link, ByteBuf payload) {
      return false;
    }

    /**
     * The socket is gone: {@code code} is the close code the server sent, 1006 when none came;
     * {@code failure} is set when the socket never opened (refused, timed out, no 101).
     */
    void closed(Link link, int code, Throwable failure);
  }

  /** Larger frames from the server close the socket (the server's own limit is far below). */
  private static final int MAX_MESSAGE_BYTES = 1 << 24;
  private static final String END_OF_HEADERS = "\r\n\r\n";
  private static final String SWITCHING = "HTTP/1.1 101";

  private final EventLoopGroup group;
  private final Bootstrap bootstrap;

  WsClient(int threads) {
    group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
  }

  /** The event loops, for timers that should run beside the sockets. */
  EventLoopGroup loops() {
    return group;
  }

  /** What an upgrade request asks for: the path with its query, a subprotocol (or null), whole header lines ("Name: value"). */
  record Upgrade(String target, String subprotocol, List<String> headers) {
  }

  /** Opens one socket to {@code host:port} (plain ws), from {@code localIp} when not null. */
  Link connect(String host, int port, String localIp, Upgrade upgrade, Listener listener) {
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    StringBuilder req = new StringBuilder(512).append("GET ").append(upgrade.target())
        .append(" HTTP/1.1\r\nHost: ").append(host).append(':').append(port)
        .append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ")
        .append(Base64.getEncoder().encodeToString(key)).append("\r\n");
    if (upgrade.subprotocol() != null) {
      req.append("Sec-WebSocket-Protocol: ").append(upgrade.subprotocol()).append("\r\n");
    }
    for (String h : upgrade.headers()) {
      req.append(h).append("\r\n");
    }
    req.append("\r\n");
    Link link = new Link(listener, req.toString().getBytes(StandardCharsets.UTF_8));
    InetSocketAddress remote = new InetSocketAddress(host, port);
    Bootstrap b = bootstrap.clone().handler(link);
    ChannelFuture f = localIp == null ? b.connect(remote) : b.connect(remote, new InetSocketAddress(localIp, 0));
    f.addListener(done -> {
      if (!done.isSuccess()) {
        link.failed(done.cause());
      }
    });
    return link;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** One socket: the upgrade, then frames. */
  static final class Link extends ByteToMessageDecoder {

    private final Listener listener;
    private final byte[] request;
    private volatile Channel channel;
    private boolean open;
    private boolean reported;
    private int closeCode = 1006;
    /** A fragmented message being put together; null between messages. */
    private ByteBuf fragments;

    private Link(Listener listener, byte[] request) {
      this.listener = listener;
      this.request = request;
    }

    /** Sends one text message; dropped when the socket is not open. Any thread. */
    void send(String text) {
      Channel c = channel;
      if (c != null && c.isActive()) {
        c.writeAndFlush(frame(c.alloc(), 0x1, text.getBytes(StandardCharsets.UTF_8)));
      }
    }

    /** Starts the closing handshake with 1000. Any thread. */
    void close() {
      Channel c = channel;
      if (c != null && c.isActive()) {
        c.writeAndFlush(frame(c.alloc(), 0x8, new byte[] {0x03, (byte) 0xE8})).addListener(f -> c.close());
      }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      channel = ctx.channel();
      ctx.writeAndFlush(Unpooled.wrappedBuffer(request));
      super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      if (!open) {
        int end = indexOf(in, in.readerIndex(), END_OF_HEADERS);
        if (end < 0) {
          if (in.readableBytes() > 16 * 1024) {
            fail(ctx, new IllegalStateException("no end to the upgrade response's headers"));
          }
          return;
        }
        if (!startsWith(in, SWITCHING)) {
          String status = in.toString(in.readerIndex(), Math.min(64, end - in.readerIndex()), StandardCharsets.US_ASCII);
          fail(ctx, new IllegalStateException("upgrade refused: " + status.split("\r\n")[0]));
          return;
        }
        in.readerIndex(end + END_OF_HEADERS.length());
        open = true;
        listener.opened(this);
      }
      while (ctx.channel().isActive() && frame(ctx, in)) {
        // one frame read per turn
      }
    }

    /** Reads one frame if it has arrived whole; returns whether it did. */
    private boolean frame(ChannelHandlerContext ctx, ByteBuf in) {
      int at = in.readerIndex();
      int readable = in.readableBytes();
      if (readable < 2) {
        return false;
      }
      int b0 = in.getUnsignedByte(at);
      int b1 = in.getUnsignedByte(at + 1);
      long length = b1 & 0x7f;
      int header = 2;
      if (length == 126) {
        if (readable < 4) {
          return false;
        }
        length = in.getUnsignedShort(at + 2);
        header = 4;
      } else if (length == 127) {
        if (readable < 10) {
          return false;
        }
        length = in.getLong(at + 2);
        header = 10;
      }
      boolean masked = (b1 & 0x80) != 0;
      if (masked) {
        header += 4;
      }
      if (length < 0 || length > MAX_MESSAGE_BYTES) {
        fail(ctx, new IllegalStateException("frame of " + length + " bytes"));
        return false;
      }
      if (readable < header + length) {
        return false;
      }
      ByteBuf payload = in.retainedSlice(at + header, (int) length);
      in.readerIndex(at + header + (int) length);
      try {
        if (masked) { // servers do not mask; a broken one still reads as it meant
          for (int i = 0; i < length; i++) {
            payload.setByte(i, payload.getByte(i) ^ in.getByte(at + header - 4 + (i & 3)));
          }
        }
        boolean fin = (b0 & 0x80) != 0;
        switch (b0 & 0x0f) {
          case 0x0, 0x1, 0x2 -> data(ctx, (b0 & 0x0f) == 0x0, fin, payload);
          case 0x8 -> {
            closeCode = length >= 2 ? payload.getUnsignedShort(0) : 1005;
            Channel c = ctx.channel();
            c.writeAndFlush(frame(c.alloc(), 0x8, length >= 2 ? new byte[] {(byte) (closeCode >> 8), (byte) closeCode} : new byte[0]))
                .addListener(f -> c.close());
            return false;
          }
          case 0x9 -> ctx.writeAndFlush(frame(ctx.alloc(), 0xA, readBytes(payload)));
          default -> { } // pong, or a reserved opcode the server never sends
        }
      } finally {
        payload.release();
      }
      return true;
    }

    private void data(ChannelHandlerContext ctx, boolean continuation, boolean fin, ByteBuf payload) {
      if (!continuation && fin && fragments == null) {
        deliver(payload);
        return;
      }
      if (fragments == null) {
        fragments = ctx.alloc().buffer(Math.max(256, payload.readableBytes() * 2));
      }
      if (fragments.readableBytes() + payload.readableBytes() > MAX_MESSAGE_BYTES) {
        fail(ctx, new IllegalStateException("fragmented message over " + MAX_MESSAGE_BYTES + " bytes"));
        return;
      }
      fragments.writeBytes(payload);
      if (fin) {
        ByteBuf whole = fragments;
        fragments = null;
        try {
          deliver(whole);
        } finally {
          whole.release();
        }
      }
    }

    private void deliver(ByteBuf payload) {
      if (!listener.message(this, payload)) {
        listener.text(this, payload.toString(StandardCharsets.UTF_8));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      super.channelInactive(ctx);
      if (fragments != null) {
        fragments.release();
        fragments = null;
      }
      if (open) {
        report(closeCode, null);
      } else {
        report(1006, new IllegalStateException("closed before the upgrade"));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(ctx, cause);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
      if (!open) {
        report(1006, cause);
      }
      ctx.close();
    }

    private void failed(Throwable cause) {
      report(1006, cause);
    }

    private void report(int code, Throwable failure) {
      if (!reported) {
        reported = true;
        listener.closed(this, code, failure);
      }
    }

    private static byte[] readBytes(ByteBuf b) {
      byte[] bytes = new byte[b.readableBytes()];
      b.getBytes(b.readerIndex(), bytes);
      return bytes;
    }

    /** A client frame: final, masked as RFC 6455 requires of clients. */
    private static ByteBuf frame(ByteBufAllocator alloc, int opcode, byte[] payload) {
      int n = payload.length;
      ByteBuf out = alloc.buffer(n + 14);
      out.writeByte(0x80 | opcode);
      if (n < 126) {
        out.writeByte(0x80 | n);
      } else if (n < 65_536) {
        out.writeByte(0x80 | 126).writeShort(n);
      } else {
        out.writeByte(0x80 | 127).writeLong(n);
      }
      int mask = ThreadLocalRandom.current().nextInt();
      out.writeInt(mask);
      for (int i = 0; i < n; i++) {
        out.writeByte(payload[i] ^ (mask >>> (24 - 8 * (i & 3))));
      }
      return out;
    }
  }

  /**
   * Where {@code needle} (ASCII) starts in {@code in}, at or after {@code from}; -1 when nowhere.
   * Candidates are found by its first byte with Netty's own search, then compared.
   */
  static int indexOf(ByteBuf in, int from, String needle) {
    int last = in.writerIndex() - needle.length();
    for (int i = in.indexOf(from, in.writerIndex(), (byte) needle.charAt(0)); i >= 0 && i <= last;
        i = in.indexOf(i + 1, in.writerIndex(), (byte) needle.charAt(0))) {
      if (matches(in, i, needle)) {
        return i;
      }
    }
    return -1;
  }

  /** Whether the readable bytes of {@code in} start with {@code prefix} (ASCII). */
  static boolean startsWith(ByteBuf in, String prefix) {
    return in.readableBytes() >= prefix.length() && matches(in, in.readerIndex(), prefix);
  }

  private static boolean matches(ByteBuf in, int at, String ascii) {
    for (int j = 0; j < ascii.length(); j++) {
      if (in.getByte(at + j) != ascii.charAt(j)) {
        return false;
      }
    }
    return true;
  }
}
