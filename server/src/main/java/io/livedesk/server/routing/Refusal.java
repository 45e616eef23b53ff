package io.livedesk.server.routing;

import io.livedesk.protocol.ErrorCode;

/** A request the dispatcher turns down, with the code the client should see. */
final class Refusal extends RuntimeException {

  final ErrorCode code;

  Refusal(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }
}
