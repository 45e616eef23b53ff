package io.livedesk.load;

/** One generated session: small, since the generator holds as many as the server. */
final class Conn {

  final String token;
  /** Set once the socket is open; dropped sends before that or after a close. */
  volatile WsClient.Link link;

  Conn(String token) {
    this.token = token;
  }

  void send(String text) {
    WsClient.Link l = link;
    if (l != null) {
      l.send(text);
    }
  }
}
