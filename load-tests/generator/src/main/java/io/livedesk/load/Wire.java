package io.livedesk.load;

import io.vertx.core.http.WebSocketConnectOptions;

/**
 * What differs between the servers the generator drives: the upgrade request, how a session
 * proves itself, and the text of each application message. Every message a benchmark times
 * carries {@code ts:<System.nanoTime()>} (monotonic, shared by the processes of one machine).
 */
interface Wire {

  /** Marks a timed payload inside any frame; a batch frame carries one per message. */
  String STAMP = "ts:";

  /** The upgrade request of session {@code user}; the token goes in a header when the protocol allows. */
  WebSocketConnectOptions upgrade(String host, int port, String path, String token);

  /** A frame the server sent; returns what it means to the generator. */
  Event onText(Conn conn, String text);

  String ping(long nanos);

  String join(String room);

  String say(String room, String text);

  enum Event { NONE, READY, JOINED, PONG, DELIVERY, PUSH, ERROR }

  /** Reads the first run of digits after {@code key}; -1 when absent. */
  static long numberAfter(String text, String key, int from) {
    int i = text.indexOf(key, from);
    if (i < 0) {
      return -1;
    }
    i += key.length();
    long v = 0;
    int start = i;
    while (i < text.length() && Character.isDigit(text.charAt(i))) {
      v = v * 10 + (text.charAt(i++) - '0');
    }
    return i == start ? -1 : v;
  }
}
