package io.livedesk.server.auth;

import java.util.Locale;
import java.util.Optional;

/** The roles a token may carry in its {@code roles} claim. */
public enum Role {
  VIEWER, CUSTOMER, AGENT, SUPERVISOR, ADMIN,
  /** Moderates every live room; a room's moderators can also be granted per room by an admin. */
  MODERATOR;

  public String claim() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> parse(String claim) {
    for (Role r : values()) {
      if (r.claim().equals(claim)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
