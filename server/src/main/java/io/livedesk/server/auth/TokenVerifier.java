package io.livedesk.server.auth;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.Header;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.ProtectedHeader;
import io.jsonwebtoken.security.Keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import javax.crypto.SecretKey;
import java.util.Base64;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies JWTs with jjwt. The key is chosen by the token's {@code alg} family and only from
 * what is configured, so an HS256 token can never be checked against the public key (the
 * HS/RS confusion attack) and {@code alg: none} is refused by the parser.
 */
public final class TokenVerifier {

  private final JwtParser parser;
  /** The plain HS token without jjwt; null without a secret. Whatever it does not accept goes to jjwt. */
  private final HmacFastPath fastPath;

  public TokenVerifier(AuthConfig config) {
    SecretKey secret = config.secret().isEmpty() ? null
        : Keys.hmacShaKeyFor(config.secret().getBytes(StandardCharsets.UTF_8));
    this.fastPath = HmacFastPath.of(secret, config.issuer(), config.audience(), config.clockSkewSeconds() * 1000L);
    PublicKey publicKey = config.publicKeyPath() == null || config.publicKeyPath().isBlank() ? null
        : readPublicKey(Path.of(config.publicKeyPath()));
    this.parser = Jwts.parser()
        .keyLocator(new LocatorAdapter<>() {
          @Override
          protected Key locate(ProtectedHeader header) {
            String alg = header.getAlgorithm() == null ? "" : header.getAlgorithm();
            Key key = alg.startsWith("HS") ? secret
                : alg.startsWith("RS") || alg.startsWith("PS") || alg.startsWith("ES") ? publicKey : null;
            if (key == null) {
              throw new io.jsonwebtoken.security.InvalidKeyException("no key configured for alg " + alg);
            }
            return key;
          }

          @Override
          protected Key doLocate(Header header) {
            return null;
          }
        })
        .requireIssuer(config.issuer())
        .requireAudience(config.audience())
        .clockSkewSeconds(config.clockSkewSeconds())
        .build();
  }

  public Principal verify(String token) throws AuthException {
    if (token == null || token.isBlank()) {
      throw new AuthException(false, "no token");
    }
    String trimmed = token.trim();
    HmacFastPath.Claims plain = fastPath == null ? null : fastPath.verify(trimmed, System.currentTimeMillis());
    if (plain != null) {
      return principal(plain.subject(), plain.name(), plain.roles(), plain.role(), plain.tags(), plain.expiresAtMs());
    }
    Claims claims;
    try {
      claims = parser.parseSignedClaims(trimmed).getPayload();
    } catch (ExpiredJwtException e) {
      throw new AuthException(true, "token expired");
    } catch (JwtException | IllegalArgumentException e) {
      throw new AuthException(false, "token rejected: " + describe(e));
    }
    String subject = claims.getSubject();
    if (subject == null || subject.isBlank()) {
      throw new AuthException(false, "token has no sub claim");
    }
    if (claims.getExpiration() == null) {
      throw new AuthException(false, "token has no exp claim");
    }
    return principal(subject, claims.get("name"), claims.get("roles"), claims.get("role"), claims.get("tags"),
        claims.getExpiration().getTime());
  }

  private static Principal principal(String subject, Object name, Object rolesClaim, Object roleClaim, Object tags,
                                     long expiresAt) throws AuthException {
    Set<Role> roles = roles(rolesClaim, roleClaim);
    if (roles.isEmpty()) {
      throw new AuthException(false, "token has no known role in its roles claim");
    }
    return new Principal(subject, name == null ? subject : name.toString(), Set.copyOf(roles),
        Set.copyOf(strings(tags)), expiresAt);
  }

  private static Set<Role> roles(Object rolesClaim, Object roleClaim) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    List<String> names = strings(rolesClaim);
    if (names.isEmpty()) {
      names = strings(roleClaim);
    }
    for (String n : names) {
      Role.parse(n).ifPresent(roles::add);
    }
    return roles;
  }

  private static List<String> strings(Object claim) {
    if (claim instanceof Collection<?> c) {
      Set<String> out = new LinkedHashSet<>();
      for (Object o : c) {
        if (o instanceof String s && !s.isBlank()) {
          out.add(s);
        }
      }
      return List.copyOf(out);
    }
    if (claim instanceof String s && !s.isBlank()) {
      return List.of(s.split("[ ,]+"));
    }
    return List.of();
  }

  /** jjwt messages can quote claim values; keep only the kind of failure. */
  private static String describe(Exception e) {
    String kind = e.getClass().getSimpleName().replace("Exception", "");
    return switch (kind) {
      case "Signature", "SecurityException" -> "bad signature";
      case "UnsupportedJwt" -> "unsigned or unsupported token";
      case "MalformedJwt" -> "malformed token";
      case "PrematureJwt" -> "token not valid yet";
      case "IncorrectClaim", "MissingClaim" -> "wrong or missing iss/aud claim";
      case "InvalidKey" -> "algorithm not accepted";
      default -> kind;
    };
  }

  static PublicKey readPublicKey(Path pem) {
    String text;
    try {
      text = Files.readString(pem);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read JWT public key " + pem + ": " + e.getMessage());
    }
    byte[] der = Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", "").trim());
    for (String algorithm : List.of("RSA", "EC")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
      } catch (Exception ignored) {
        // try the next key type
      }
    }
    throw new IllegalArgumentException("JWT public key " + pem + " is neither an RSA nor an EC public key in PEM");
  }
}
