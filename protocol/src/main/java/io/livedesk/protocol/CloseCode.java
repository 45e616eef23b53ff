package io.livedesk.protocol;

/**
 * WebSocket close codes the server uses. 1xxx are the RFC 6455 codes; 4xxx are Livedesk's own.
 * {@link #reconnect()} tells a client whether reconnecting (with backoff) can help as things are.
 */
public enum CloseCode {
  NORMAL(1000, true, "normal closure"),
  GOING_AWAY(1001, true, "the server is shutting down or the connection went idle"),
  INVALID_PAYLOAD(1007, false, "a text frame was not valid UTF-8"),
  POLICY_VIOLATION(1008, false, "the connection broke a rule"),
  MESSAGE_TOO_BIG(1009, false, "a frame exceeded the maximum frame size"),
  TOKEN_INVALID(4001, false, "the token is missing, malformed, badly signed or has wrong claims"),
  TOKEN_EXPIRED(4002, false, "the token expired: fetch a new one, then reconnect"),
  AUTH_TIMEOUT(4003, true, "no hello with a token arrived in time"),
  RATE_LIMITED(4008, true, "frames kept coming above the rate limit; back off before reconnecting"),
  ABUSE(4009, false, "too many malformed or forbidden frames"),
  TOO_MANY_CONNECTIONS(4010, false, "the user has too many open connections"),
  SLOW_CONSUMER(4011, true, "the client read too slowly and frames to it piled up; resume after reconnecting");

  private final int code;
  private final boolean reconnect;
  private final String reason;

  CloseCode(int code, boolean reconnect, String reason) {
    this.code = code;
    this.reconnect = reconnect;
    this.reason = reason;
  }

  public int code() {
    return code;
  }

  public boolean reconnect() {
    return reconnect;
  }

  /** Short reason text sent in the close frame (at most 123 bytes by the RFC). */
  public String reason() {
    return reason;
  }
}
