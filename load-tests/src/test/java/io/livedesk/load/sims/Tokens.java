package io.livedesk.load.sims;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;

import javax.crypto.SecretKey;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;

/** HS256 tokens minted per virtual user with the secret the server runs with. */
final class Tokens {

  private final SecretKey key;
  private final String issuer;
  private final String audience;

  Tokens(String secret, String issuer, String audience) {
    this.key = Keys.hmacShaKeyFor(secret.getBytes(StandardCharsets.UTF_8));
    this.issuer = issuer;
    this.audience = audience;
  }

  String mint(String subject, String role, long ttlSeconds) {
    long now = System.currentTimeMillis();
    return Jwts.builder().subject(subject).issuer(issuer).audience().add(audience).and()
        .claim("roles", List.of(role)).claim("name", subject)
        .issuedAt(new Date(now)).expiration(new Date(now + ttlSeconds * 1000))
        .signWith(key, Jwts.SIG.HS256).compact();
  }
}
