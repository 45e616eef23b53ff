package io.livedesk.server.store;

/** MongoDB cannot take the write now; the sender should retry (error code STORE_UNAVAILABLE). */
public class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message) {
    super(message, null, false, false);
  }

  /** MongoDB could not be reached for this operation: {@code cause} is the driver's reason. */
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
