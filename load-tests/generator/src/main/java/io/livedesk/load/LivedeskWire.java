package io.livedesk.load;

import io.vertx.core.http.WebSocketConnectOptions;

/** The Livedesk protocol in its JSON mapping, token in the upgrade's Authorization header. */
final class LivedeskWire implements Wire {

  @Override
  public WebSocketConnectOptions upgrade(String host, int port, String path, String token) {
    return new WebSocketConnectOptions().setHost(host).setPort(port).setURI(path)
        .addHeader("Authorization", "Bearer " + token)
        .addSubProtocol("livedesk.json");
  }

  @Override
  public Event onText(Conn conn, String text) {
    // A broadcast has no id or replyTo, so its body comes first. Other frames may carry stamps
    // too: a roomJoined reply holds the room's history, and its old messages must not count.
    if (text.startsWith("{\"roomMessage\"") || text.startsWith("{\"roomBatch\"")) {
      return text.contains(STAMP) ? Event.DELIVERY : Event.NONE;
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
