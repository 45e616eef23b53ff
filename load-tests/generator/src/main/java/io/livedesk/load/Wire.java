package io.livedesk.load;

import io.netty.buffer.ByteBuf;

/**
 * What differs between the servers the generator drives: the upgrade request, how a session
 * proves itself, and the text of each application message. Every message a benchmark times
 * carries {@code ts:<System.nanoTime()>} (monotonic, shared by the processes of one machine).
 */
interface Wire {

  /** Marks a timed payload inside any frame; a batch frame carries one per message. */
  String STAMP = "ts:";

  /** The upgrade request of a session with {@code token}; the token goes in a header when the protocol allows. */
  WsClient.Upgrade upgrade(String path, String token);

  /** A frame the server sent; returns what it means to the generator. */
  Event onText(Conn conn, String text);

  /** Whether a frame, still in bytes, is a broadcast: its stamps, if any, count as deliveries. */
  boolean isBroadcast(ByteBuf payload);

  String ping(long nanos);

  String join(String room);

  String say(String room, String text);

  enum Event { NONE, READY, JOINED, PONG, PUSH, ERROR }

  /**
   * A timed payload: {@link #STAMP} and the send time in letters (digit d as 'a' + d). The server
   * masks digit runs that look like card or phone numbers in what viewers say (about one
   * nanosecond reading in ten passed its card check), and masking stays on since it is part of
   * the cost: a stamp in digits lost those messages from every count.
   */
  static String stamp(long nanos) {
    StringBuilder b = new StringBuilder(STAMP);
    for (char ch : Long.toString(nanos).toCharArray()) {
      b.append((char) ('a' + ch - '0'));
    }
    return b.toString();
  }

  /** The send time of the stamp at {@code at} (where {@link #STAMP} starts); -1 when there is none. */
  static long stampAt(String text, int at) {
    if (at < 0) {
      return -1;
    }
    long v = 0;
    int i = at + STAMP.length();
    for (; i < text.length() && text.charAt(i) >= 'a' && text.charAt(i) <= 'j'; i++) {
      v = v * 10 + (text.charAt(i) - 'a');
    }
    return v > 0 ? v : -1;
  }

  /** {@link #stampAt(String, int)} on a frame still in bytes. */
  static long stampAt(ByteBuf text, int at) {
    long v = 0;
    int end = text.writerIndex();
    for (int i = at + STAMP.length(); i < end; i++) {
      byte b = text.getByte(i);
      if (b < 'a' || b > 'j') {
        break;
      }
      v = v * 10 + (b - 'a');
    }
    return v > 0 ? v : -1;
  }

  /** Where the next {@link #STAMP} starts at or after {@code from}; -1 when there is none. */
  static int nextStamp(ByteBuf text, int from) {
    return WsClient.indexOf(text, from, STAMP);
  }

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
