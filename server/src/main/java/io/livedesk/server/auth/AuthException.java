package io.livedesk.server.auth;

import io.livedesk.protocol.CloseCode;
import io.livedesk.protocol.ErrorCode;

/** A token that was refused: expired, or invalid for a reason the message names. */
public class AuthException extends Exception {

  private final boolean expired;

  public AuthException(boolean expired, String message) {
    super(message, null, false, false);
    this.expired = expired;
  }

  public ErrorCode errorCode() {
    return expired ? ErrorCode.TOKEN_EXPIRED : ErrorCode.TOKEN_INVALID;
  }

  public CloseCode closeCode() {
    return expired ? CloseCode.TOKEN_EXPIRED : CloseCode.TOKEN_INVALID;
  }
}
