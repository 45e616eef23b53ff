package io.livedesk.server.testing;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/** Tokens for tests, signed with {@link TestNodes#SECRET} unless a test forges one on purpose. */
public final class Tokens {

  private Tokens() {
  }

  public static String of(String subject, String... roles) {
    return builder(subject, List.of(roles), List.of()).compact();
  }

  public static String tagged(String subject, String role, String... tags) {
    return builder(subject, List.of(role), List.of(tags)).compact();
  }

  public static io.jsonwebtoken.JwtBuilder builder(String subject, List<String> roles, List<String> tags) {
    Instant now = Instant.now();
    return Jwts.builder()
        .subject(subject)
        .issuer("livedesk")
        .audience().add("livedesk").and()
        .issuedAt(Date.from(now))
        .expiration(Date.from(now.plusSeconds(3600)))
        .claims(Map.of("roles", roles, "tags", tags, "name", subject == null ? "" : subject))
        .signWith(Keys.hmacShaKeyFor(TestNodes.SECRET.getBytes(StandardCharsets.UTF_8)), Jwts.SIG.HS256);
  }
}
