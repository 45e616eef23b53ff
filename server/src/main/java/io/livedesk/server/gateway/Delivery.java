package io.livedesk.server.gateway;

import io.livedesk.protocol.Frame;
import io.livedesk.server.cluster.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reaches a user's sessions wherever they are in the cluster. A node consumes a user's address
 * only while it holds a session of that user and the user is reachable (not a mere viewer), so
 * anonymous viewers cost the cluster nothing: no consumer, no Hazelcast entry.
 */
public final class Delivery {

  private final Vertx vertx;
  private final SessionRegistry sessions;
  private final Map<String, MessageConsumer<Buffer>> consumers = new ConcurrentHashMap<>();

  public Delivery(Vertx vertx, SessionRegistry sessions) {
    this.vertx = vertx;
    this.sessions = sessions;
  }

  /** Sends a frame to every session of the user on every node. Fire and forget. */
  public void toUser(String userId, Frame frame) {
    vertx.eventBus().publish(Addresses.user(userId), Buffer.buffer(frame.toByteArray()));
  }

  /** Makes the user reachable on this node; completes once the cluster knows. */
  public Future<Void> attach(String userId) {
    return consumers.computeIfAbsent(userId,
        u -> vertx.eventBus().<Buffer>consumer(Addresses.user(u), msg -> deliverLocally(u, msg.body()))).completion();
  }

  /** Stops consuming for the user unless a session of theirs arrived here in the meantime. */
  public void detach(String userId) {
    consumers.computeIfPresent(userId, (u, consumer) -> {
      if (sessions.sessionsOf(u) > 0) {
        return consumer;
      }
      consumer.unregister();
      return null;
    });
  }

  private void deliverLocally(String userId, Buffer body) {
    Frame frame;
    try {
      frame = Frame.parseFrom(body.getBytes());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return; // only this node's code publishes here
    }
    Outgoing out = new Outgoing(frame);
    sessions.forUser(userId, s -> s.send(out));
  }
}
