package io.livedesk.server.gateway;

/** The frame encoding of a connection, chosen by the WebSocket subprotocol (JSON when none). */
public enum Encoding {
  JSON("livedesk.json"), PROTOBUF("livedesk.protobuf");

  private final String subprotocol;

  Encoding(String subprotocol) {
    this.subprotocol = subprotocol;
  }

  public String subprotocol() {
    return subprotocol;
  }

  public static Encoding of(String subprotocol) {
    return PROTOBUF.subprotocol.equals(subprotocol) ? PROTOBUF : JSON;
  }
}
