package io.livedesk.server.store;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.connection.TransportSettings;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.bson.Document;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The durable record, reached only through the official reactive MongoDB driver. This is the one
 * place where driver publishers become Vert.x futures, completed on the caller's context so
 * handlers never run on driver threads. A failure to reach MongoDB fails as
 * {@link StoreUnavailableException}.
 */
public final class Store implements AutoCloseable {

  static final int DEFAULT_READ_TIMEOUT_MS = 15_000;

  private final Vertx vertx;
  /** The driver's I/O thread (see the constructor). */
  private final EventLoopGroup io;
  private final MongoClient client;
  private final MongoDatabase database;

  public Store(Vertx vertx, String uri, String database) {
    this(vertx, uri, database, DEFAULT_READ_TIMEOUT_MS);
  }

  /**
   * {@code readTimeoutMs} bounds the wait for an answer on an open connection: a MongoDB that
   * keeps the connection but stops answering fails the operation as unreachable instead of
   * leaving it, and the client that asked, waiting forever.
   */
  public Store(Vertx vertx, String uri, String database, int readTimeoutMs) {
    this(vertx, uri, database, readTimeoutMs, WriteDurability.MAJORITY);
  }

  /**
   * {@code durability} is what every write waits for before it counts as done (and a user is
   * answered), unless the connection string sets its own write concern.
   */
  public Store(Vertx vertx, String uri, String database, int readTimeoutMs, WriteDurability durability) {
    this.vertx = vertx;
    ConnectionString connection = new ConnectionString(uri);
    // The driver on one Netty event loop of its own instead of the JDK's asynchronous channels:
    // those ran each read's completion on a pool thread of their own and a thread per direction
    // (~0.3 of a core at 500 messages/s, a third of the node's CPU for its store traffic).
    this.io = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("livedesk-store-io", true), NioIoHandler.newFactory());
    MongoClientSettings settings = MongoClientSettings.builder()
        .transportSettings(TransportSettings.nettyBuilder().eventLoopGroup(io).build())
        .writeConcern(durability.concern())
        .applyConnectionString(connection)
        .applyToClusterSettings(b -> b.serverSelectionTimeout(5, TimeUnit.SECONDS))
        .applyToSocketSettings(b -> {
          b.connectTimeout(5, TimeUnit.SECONDS);
          if (connection.getSocketTimeout() == null) {
            b.readTimeout(readTimeoutMs, TimeUnit.MILLISECONDS);
          }
        })
        .build();
    this.client = MongoClients.create(settings);
    this.database = client.getDatabase(database);
  }

  public MongoCollection<Document> collection(String name) {
    return database.getCollection(name);
  }

  /** Answers when MongoDB answers a ping: the readiness check. */
  public Future<Void> ping() {
    return command(new Document("ping", 1)).mapEmpty();
  }

  /** A database command's answer. */
  Future<Document> command(Document command) {
    return first(database.runCommand(command));
  }

  /** The first item of a publisher, or null when it completes empty. */
  public <T> Future<T> first(Publisher<T> publisher) {
    return all(publisher, 1).map(list -> list.isEmpty() ? null : list.get(0));
  }

  public <T> Future<List<T>> all(Publisher<T> publisher) {
    return all(publisher, Long.MAX_VALUE);
  }

  private <T> Future<List<T>> all(Publisher<T> publisher, long limit) {
    Context context = vertx.getOrCreateContext();
    Promise<List<T>> promise = Promise.promise();
    publisher.subscribe(new Subscriber<T>() {
      private final List<T> items = new ArrayList<>();
      private Subscription subscription;

      @Override
      public void onSubscribe(Subscription s) {
        subscription = s;
        s.request(limit);
      }

      @Override
      public void onNext(T item) {
        items.add(item);
        if (items.size() >= limit) {
          subscription.cancel();
          answer(context, () -> promise.tryComplete(items));
        }
      }

      @Override
      public void onError(Throwable t) {
        // An outage is one typed failure for every caller, which the gateway answers with STORE_UNAVAILABLE.
        Throwable failure = WriteBuffer.unreachable(t) ? new StoreUnavailableException("the store cannot be reached; retry later", t) : t;
        answer(context, () -> promise.tryFail(failure));
      }

      @Override
      public void onComplete() {
        answer(context, () -> promise.tryComplete(items));
      }
    });
    return promise.future();
  }

  /**
   * Runs {@code action} on the caller's context; nothing when Vert.x has closed meanwhile (an
   * answer arriving while a node shuts down has nobody left to tell, and throwing it back into the
   * driver's callback made the driver log errors).
   */
  static void answer(Context context, Runnable action) {
    try {
      context.runOnContext(v -> action.run());
    } catch (RejectedExecutionException closed) {
      // the node is closing
    }
  }

  @Override
  public void close() {
    client.close();
    io.shutdownGracefully(0, 5, TimeUnit.SECONDS);
  }
}
