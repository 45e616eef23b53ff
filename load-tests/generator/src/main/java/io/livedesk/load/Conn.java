package io.livedesk.load;

import io.vertx.core.http.WebSocket;

/** One generated session: small, since the generator holds as many as the server. */
final class Conn {

  final String token;
  volatile WebSocket ws;

  Conn(String token) {
    this.token = token;
  }

  void send(String text) {
    WebSocket w = ws;
    if (w != null && !w.isClosed()) {
      w.writeTextMessage(text);
    }
  }
}
