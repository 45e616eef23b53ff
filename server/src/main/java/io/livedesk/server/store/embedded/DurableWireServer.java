package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoThreadFactory;
import de.bwaldvogel.mongo.wire.MongoExceptionHandler;
import de.bwaldvogel.mongo.wire.MongoWireMessageEncoder;
import de.bwaldvogel.mongo.wire.MongoWireProtocolHandler;
import de.bwaldvogel.mongo.wire.MongoWireReplyEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * mongo-java-server's {@code MongoServer} pipeline (1.47.0) with {@link DurableCommandHandler} in
 * place of its request handler: the wire codec is theirs, the decision of when to answer ours.
 * MongoServer builds its pipeline inside {@code bind}, so it cannot be given another handler.
 */
public final class DurableWireServer {

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ChannelGroup channels;
  private final Channel serverChannel;

  private DurableWireServer(EventLoopGroup boss, EventLoopGroup workers, ChannelGroup channels, Channel serverChannel) {
    this.boss = boss;
    this.workers = workers;
    this.channels = channels;
    this.serverChannel = serverChannel;
  }

  /** Blocking: binds and starts serving. */
  public static DurableWireServer bind(InetSocketAddress address, MongoBackend backend, GroupCommitter committer) {
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new MongoThreadFactory("embedded-store-boss"), NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, new MongoThreadFactory("embedded-store-worker"), NioIoHandler.newFactory());
    ChannelGroup channels = new DefaultChannelGroup("embedded-store-channels", workers.next());
    AtomicInteger ids = new AtomicInteger();
    try {
      Channel channel = new ServerBootstrap()
          .group(boss, workers)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 100)
          .localAddress(address)
          .childOption(ChannelOption.TCP_NODELAY, Boolean.TRUE)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            public void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new MongoWireReplyEncoder());
              ch.pipeline().addLast(new MongoWireMessageEncoder());
              ch.pipeline().addLast(new MongoWireProtocolHandler());
              ch.pipeline().addLast(new DurableCommandHandler(backend, channels, committer, ids));
              ch.pipeline().addLast(new MongoExceptionHandler());
            }
          })
          .bind().syncUninterruptibly().channel();
      return new DurableWireServer(boss, workers, channels, channel);
    } catch (RuntimeException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** Blocking: stops accepting, closes every connection and stops the event loops. */
  public void close() {
    serverChannel.close().syncUninterruptibly();
    channels.close().syncUninterruptibly();
    boss.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
