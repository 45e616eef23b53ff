package io.livedesk.server.gateway;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** The authenticated sessions of this node, by user. Shared by every gateway event loop. */
public final class SessionRegistry {

  /** One user's sessions on this node and the frame rate they share. */
  private record UserSessions(List<Session> sessions, TokenBucket rate) {
  }

  private final Map<String, UserSessions> byUser = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();
  private final double userFramesPerSecond;
  private final double userFrameBurst;

  public SessionRegistry(double userFramesPerSecond, double userFrameBurst) {
    this.userFramesPerSecond = userFramesPerSecond;
    this.userFrameBurst = userFrameBurst;
  }

  /** Adds the session unless its user already holds {@code max} here; returns whether it was added. */
  boolean add(Session session, int max) {
    boolean[] added = {false};
    byUser.compute(session.userId(), (user, entry) -> {
      if (entry == null) {
        entry = new UserSessions(new CopyOnWriteArrayList<>(),
            new TokenBucket(userFramesPerSecond, userFrameBurst, System.currentTimeMillis()));
      }
      if (entry.sessions().size() < max) {
        entry.sessions().add(session);
        added[0] = true;
      }
      return entry;
    });
    if (added[0]) {
      count.incrementAndGet();
    }
    return added[0];
  }

  /** Removes the session; returns true when it was its user's last one on this node. */
  boolean remove(Session session) {
    boolean[] last = {false};
    byUser.computeIfPresent(session.userId(), (user, entry) -> {
      if (entry.sessions().remove(session)) {
        count.decrementAndGet();
      }
      if (entry.sessions().isEmpty()) {
        last[0] = true;
        return null;
      }
      return entry;
    });
    return last[0];
  }

  /** Takes one frame from the user's shared budget: all their connections on this node together. */
  boolean takeUserFrame(String userId, long now) {
    UserSessions entry = byUser.get(userId);
    return entry == null || entry.rate().take(now);
  }

  public void forUser(String userId, Consumer<Session> action) {
    UserSessions entry = byUser.get(userId);
    if (entry != null) {
      entry.sessions().forEach(action);
    }
  }

  /** Every authenticated session on this node, e.g. for a push to everyone online. */
  public void forEach(Consumer<Session> action) {
    byUser.values().forEach(entry -> entry.sessions().forEach(action));
  }

  public int sessionsOf(String userId) {
    UserSessions entry = byUser.get(userId);
    return entry == null ? 0 : entry.sessions().size();
  }

  public int size() {
    return count.get();
  }
}
