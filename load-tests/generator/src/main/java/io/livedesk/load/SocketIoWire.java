package io.livedesk.load;

import io.netty.buffer.ByteBuf;

import java.util.List;

/**
 * The least of Engine.IO v4 / Socket.IO v5 over the WebSocket transport that the peer benchmark
 * needs: {@code 0{..}} open, {@code 40{"token":..}} connect with auth, {@code 2}/{@code 3}
 * heartbeat, {@code 42[..]} events. The token goes in the connect packet, as socket.io-client's
 * {@code auth} option sends it.
 */
final class SocketIoWire implements Wire {

  @Override
  public WsClient.Upgrade upgrade(String path, String token) {
    return new WsClient.Upgrade("/socket.io/?EIO=4&transport=websocket", null, List.of());
  }

  @Override
  public Event onText(Conn conn, String text) {
    if (text.equals("2")) {
      conn.send("3");
      return Event.NONE;
    }
    if (text.startsWith("0{")) {
      conn.send("40{\"token\":\"" + conn.token + "\"}");
      return Event.NONE;
    }
    if (text.startsWith("40")) {
      return Event.READY;
    }
    if (text.startsWith("44")) {
      return Event.ERROR;
    }
    if (text.startsWith("42")) {
      if (text.startsWith("42[\"pong\"")) {
        return Event.PONG;
      }
      if (text.startsWith("42[\"joined\"")) {
        return Event.JOINED;
      }
    }
    return Event.NONE;
  }

  @Override
  public boolean isBroadcast(ByteBuf payload) {
    return WsClient.startsWith(payload, "42"); // an event: a say, or a pong or join answer
  }

  @Override
  public String ping(long nanos) {
    return "42[\"ping\",{\"clientTime\":\"" + nanos + "\"}]";
  }

  @Override
  public String join(String room) {
    return "42[\"join\",\"" + room + "\"]";
  }

  @Override
  public String say(String room, String text) {
    return "42[\"say\",{\"roomId\":\"" + room + "\",\"text\":\"" + text + "\"}]";
  }
}
