package io.livedesk.server.auth;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;

/** Mints HS256 tokens with the configured secret: the jar's token command and the dev login page. */
public final class TokenMinter {

  private final AuthConfig config;

  public TokenMinter(AuthConfig config) {
    if (config.secret().isEmpty()) {
      throw new IllegalStateException("no auth.jwtSecret configured: cannot mint tokens");
    }
    this.config = config;
  }

  public String mint(String subject, String name, Collection<Role> roles, Collection<String> tags, Duration lifetime) {
    Instant now = Instant.now();
    return Jwts.builder()
        .subject(subject)
        .issuer(config.issuer())
        .audience().add(config.audience()).and()
        .issuedAt(Date.from(now))
        .notBefore(Date.from(now.minusSeconds(1)))
        .expiration(Date.from(now.plus(lifetime)))
        .claim("name", name == null ? subject : name)
        .claim("roles", roles.stream().map(Role::claim).toList())
        .claim("tags", List.copyOf(tags))
        .signWith(Keys.hmacShaKeyFor(config.secret().getBytes(StandardCharsets.UTF_8)), Jwts.SIG.HS256)
        .compact();
  }
}
