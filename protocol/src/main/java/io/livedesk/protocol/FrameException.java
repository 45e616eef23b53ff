package io.livedesk.protocol;

import java.util.Objects;

/** A frame that cannot be accepted, with the protocol error code that tells the client why. */
public class FrameException extends Exception {

  private final ErrorCode code;

  public FrameException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = Objects.requireNonNull(code, "code");
  }

  public ErrorCode code() {
    return code;
  }

  /** The error frame body that answers the failed frame. */
  public Error toError() {
    return Errors.error(code, getMessage());
  }
}
