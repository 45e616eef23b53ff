package io.livedesk.server.auth;

import java.util.Set;

/** Who is on the other end of a session, as the verified token says. */
public record Principal(String userId, String name, Set<Role> roles, Set<String> tags, long expiresAt) {

  public boolean has(Role role) {
    return roles.contains(role);
  }

  public boolean tagged(String tag) {
    return tags.contains(tag);
  }

  /** Viewers who only watch need no cluster-wide address; everyone else can be reached by user id. */
  public boolean reachable() {
    return roles.stream().anyMatch(r -> r != Role.VIEWER);
  }
}
