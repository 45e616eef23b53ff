package io.livedesk.load;

import io.netty.buffer.ByteBuf;

import java.util.List;

/** The Livedesk protocol in its JSON mapping, token in the upgrade's Authorization header. */
final class LivedeskWire implements Wire {

  private static final String ROOM_MESSAGE = "{\"roomMessage\"";
  private static final String ROOM_BATCH = "{\"roomBatch\"";

  @Override
  public WsClient.Upgrade upgrade(String path, String token) {
    return new WsClient.Upgrade(path, "livedesk.json", List.of("Authorization: Bearer " + token));
  }

  @Override
  public Event onText(Conn conn, String text) {
    // A broadcast has no id or replyTo, so its body comes first. Other frames may carry stamps
    // too: a roomJoined reply holds the room's history, and its old messages must not count.
    if (text.startsWith(ROOM_MESSAGE) || text.startsWith(ROOM_BATCH)) {
      return Event.NONE; // a broadcast without a stamp (those with one were counted from the bytes)
    }
    if (text.startsWith("{\"push\"")) {
      return Event.PUSH;
    }
    if (text.contains("\"roomJoined\"")) {
      return Event.JOINED;
    }
    if (text.contains("\"pong\"")) {
      return Event.PONG;
    }
    if (text.contains("\"welcome\"")) {
      return Event.READY;
    }
    if (text.contains("\"error\"")) {
      return Event.ERROR;
    }
    return Event.NONE;
  }

  @Override
  public boolean isBroadcast(ByteBuf payload) {
    return WsClient.startsWith(payload, ROOM_MESSAGE) || WsClient.startsWith(payload, ROOM_BATCH);
  }

  @Override
  public String ping(long nanos) {
    return "{\"id\":\"p\",\"ping\":{\"clientTime\":\"" + nanos + "\"}}";
  }

  @Override
  public String join(String room) {
    return "{\"id\":\"j\",\"joinRoom\":{\"roomId\":\"" + room + "\"}}";
  }

  @Override
  public String say(String room, String text) {
    return "{\"say\":{\"roomId\":\"" + room + "\",\"text\":\"" + text + "\"}}";
  }
}
