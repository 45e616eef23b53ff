package io.livedesk.server.gateway;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Lets concerns react when a session is authenticated or goes away (rooms, presence, ...). */
public final class SessionEvents {

  private final List<Consumer<Session>> opened = new CopyOnWriteArrayList<>();
  private final List<Consumer<Session>> closed = new CopyOnWriteArrayList<>();

  public void onOpened(Consumer<Session> listener) {
    opened.add(listener);
  }

  public void onClosed(Consumer<Session> listener) {
    closed.add(listener);
  }

  void opened(Session session) {
    opened.forEach(l -> l.accept(session));
  }

  void closed(Session session) {
    closed.forEach(l -> l.accept(session));
  }
}
