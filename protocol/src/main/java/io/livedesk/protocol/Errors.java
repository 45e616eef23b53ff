package io.livedesk.protocol;

/** Error frames and what a client should do about each code (see PROTOCOL.md). */
public final class Errors {

  /** Suggested wait before retrying a retryable error. */
  public static final int DEFAULT_RETRY_AFTER_MS = 1000;

  private Errors() {
  }

  /** Codes 2000-2999 are temporary: the same request may succeed later. */
  public static boolean retryable(ErrorCode code) {
    int n = code.getNumber();
    return n >= 2000 && n < 3000;
  }

  public static Error error(ErrorCode code, String message) {
    Error.Builder error = Error.newBuilder().setCode(code).setMessage(message == null ? "" : message);
    if (retryable(code)) {
      error.setRetryable(true).setRetryAfterMs(DEFAULT_RETRY_AFTER_MS);
    }
    return error.build();
  }

  public static Frame frame(String replyTo, ErrorCode code, String message) {
    return Frame.newBuilder().setReplyTo(replyTo == null ? "" : replyTo).setError(error(code, message)).build();
  }
}
