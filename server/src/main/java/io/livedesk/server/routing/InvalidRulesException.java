package io.livedesk.server.routing;

/** A rule set that cannot be used; the message names the field at fault ("intents[2].tier: ..."). */
public class InvalidRulesException extends RuntimeException {

  public InvalidRulesException(String message) {
    super(message);
  }
}
