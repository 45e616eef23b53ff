package io.livedesk.server.auth;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The plain-token path accepts only what jjwt accepts, with the same principal; everything else it
 * leaves to jjwt (null), whose answer the verifier then gives, so no refusal changes.
 */
class HmacFastPathTest {

  private static final String SECRET = "fast-path-secret-0123456789abcdef0123456789";
  private static final AuthConfig CONFIG = new AuthConfig(SECRET, "", "livedesk", "livedesk", 5000, 30);
  private static final SecretKey KEY = Keys.hmacShaKeyFor(SECRET.getBytes(StandardCharsets.UTF_8));
  private static final HmacFastPath FAST = HmacFastPath.of(KEY, "livedesk", "livedesk", 30_000);
  private static final TokenVerifier VERIFIER = new TokenVerifier(CONFIG);

  @Test
  void aMintedTokenTakesThePlainPathWithTheClaimsJjwtReads() throws AuthException {
    String token = new TokenMinter(CONFIG).mint("alice", "Alice", List.of(Role.AGENT, Role.CUSTOMER), List.of("vip"), Duration.ofHours(1));
    HmacFastPath.Claims c = FAST.verify(token, System.currentTimeMillis());
    assertNotNull(c);
    io.jsonwebtoken.Claims jjwt = Jwts.parser().verifyWith(KEY).build().parseSignedClaims(token).getPayload();
    assertEquals(jjwt.getSubject(), c.subject());
    assertEquals(jjwt.getExpiration().getTime(), c.expiresAtMs());
    assertEquals(jjwt.get("roles"), c.roles());
    assertEquals(jjwt.get("tags"), c.tags());
    Principal p = VERIFIER.verify(token);
    assertEquals(new Principal("alice", "Alice", Set.of(Role.AGENT, Role.CUSTOMER), Set.of("vip"), jjwt.getExpiration().getTime()), p);
  }

  @Test
  void aTokenWithAStringRoleAndNoNameReadsAsBefore() throws AuthException {
    String token = signed("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
        "{\"sub\":\"bob\",\"iss\":\"livedesk\",\"aud\":\"livedesk\",\"exp\":" + inSeconds(600) + ",\"role\":\"viewer agent\"}");
    assertNotNull(FAST.verify(token, System.currentTimeMillis()));
    Principal p = VERIFIER.verify(token);
    assertEquals("bob", p.name());
    assertEquals(Set.of(Role.VIEWER, Role.AGENT), p.roles());
  }

  @Test
  void aTamperedSignatureIsLeftToJjwtWhichRefusesIt() {
    String token = new TokenMinter(CONFIG).mint("alice", null, List.of(Role.CUSTOMER), List.of(), Duration.ofHours(1));
    String tampered = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BA" : "AA");
    assertNull(FAST.verify(tampered, System.currentTimeMillis()));
    AuthException e = assertThrows(AuthException.class, () -> VERIFIER.verify(tampered));
    assertEquals("token rejected: bad signature", e.getMessage());
  }

  @Test
  void anExpiredTokenKeepsJjwtsExpiredAnswer() {
    String token = signed("{\"alg\":\"HS256\"}",
        "{\"sub\":\"a\",\"iss\":\"livedesk\",\"aud\":\"livedesk\",\"exp\":" + inSeconds(-120) + ",\"roles\":[\"customer\"]}");
    assertNull(FAST.verify(token, System.currentTimeMillis()));
    AuthException e = assertThrows(AuthException.class, () -> VERIFIER.verify(token));
    assertEquals("token expired", e.getMessage());
  }

  @Test
  void withinTheClockSkewBothAccept() throws AuthException {
    String token = signed("{\"alg\":\"HS256\"}",
        "{\"sub\":\"a\",\"iss\":\"livedesk\",\"aud\":[\"other\",\"livedesk\"],\"exp\":" + inSeconds(-10)
            + ",\"nbf\":" + inSeconds(10) + ",\"roles\":[\"customer\"]}");
    assertNotNull(FAST.verify(token, System.currentTimeMillis()));
    assertEquals("a", VERIFIER.verify(token).userId());
  }

  @Test
  void aWrongIssuerAudienceOrEarlyNbfIsLeftToJjwt() {
    for (String claims : List.of(
        "{\"sub\":\"a\",\"iss\":\"other\",\"aud\":\"livedesk\",\"exp\":" + inSeconds(600) + ",\"roles\":[\"customer\"]}",
        "{\"sub\":\"a\",\"iss\":\"livedesk\",\"aud\":\"other\",\"exp\":" + inSeconds(600) + ",\"roles\":[\"customer\"]}",
        "{\"sub\":\"a\",\"iss\":\"livedesk\",\"aud\":\"livedesk\",\"nbf\":" + inSeconds(300) + ",\"exp\":" + inSeconds(600) + ",\"roles\":[\"customer\"]}")) {
      String token = signed("{\"alg\":\"HS256\"}", claims);
      assertNull(FAST.verify(token, System.currentTimeMillis()), claims);
      assertThrows(AuthException.class, () -> VERIFIER.verify(token), claims);
    }
  }

  @Test
  void anythingUnusualGoesToJjwtWhichStillDecides() throws AuthException {
    long exp = inSeconds(600);
    String claims = "{\"sub\":\"a\",\"iss\":\"livedesk\",\"aud\":\"livedesk\",\"exp\":" + exp + ",\"roles\":[\"customer\"]}";
    // a header parameter of its own, a nested claim: fine for jjwt, not plain
    String withKid = signed("{\"alg\":\"HS256\",\"kid\":\"k1\"}", claims);
    assertNull(FAST.verify(withKid, System.currentTimeMillis()));
    assertEquals("a", VERIFIER.verify(withKid).userId());
    String nested = signed("{\"alg\":\"HS256\"}", claims.replace("}", ",\"extra\":{\"x\":1}}"));
    assertNull(FAST.verify(nested, System.currentTimeMillis()));
    assertEquals("a", VERIFIER.verify(nested).userId());
    // a repeated claim, which jjwt's reader refuses
    String repeated = signed("{\"alg\":\"HS256\"}", claims.replace("}", ",\"sub\":\"b\"}"));
    assertNull(FAST.verify(repeated, System.currentTimeMillis()));
    assertThrows(AuthException.class, () -> VERIFIER.verify(repeated));
    // a fractional exp, a token with padding
    assertNull(FAST.verify(signed("{\"alg\":\"HS256\"}", claims.replace(String.valueOf(exp), exp + ".5")), System.currentTimeMillis()));
    assertNull(FAST.verify(signed("{\"alg\":\"HS256\"}", claims) + "=", System.currentTimeMillis()));
  }

  @Test
  void unsignedOrOtherAlgorithmsAreNeverPlain() {
    String claims = "{\"sub\":\"a\",\"iss\":\"livedesk\",\"aud\":\"livedesk\",\"exp\":" + inSeconds(600) + ",\"roles\":[\"customer\"]}";
    String none = b64("{\"alg\":\"none\"}") + "." + b64(claims) + ".";
    assertNull(FAST.verify(none, System.currentTimeMillis()));
    assertThrows(AuthException.class, () -> VERIFIER.verify(none));
    // HS512 needs a 512-bit key: this 344-bit secret signs it, jjwt refuses it, and so does the plain path
    String hs512 = sign("HmacSHA512", b64("{\"alg\":\"HS512\"}") + "." + b64(claims));
    assertNull(FAST.verify(hs512, System.currentTimeMillis()));
    assertThrows(AuthException.class, () -> VERIFIER.verify(hs512));
    // a signature with another encoding of the same bytes
    String token = signed("{\"alg\":\"HS256\"}", claims);
    char last = token.charAt(token.length() - 1);
    String sameBytes = token.substring(0, token.length() - 1) + (char) (last + 1);
    if (Base64.getUrlDecoder().decode(sameBytes.substring(sameBytes.lastIndexOf('.') + 1)).length == 32) {
      assertNull(FAST.verify(sameBytes, System.currentTimeMillis()));
    }
  }

  @Test
  void aShortOrMissingSecretHasNoPlainPath() {
    assertNull(HmacFastPath.of(null, "livedesk", "livedesk", 0));
    assertNull(HmacFastPath.of(new SecretKeySpec(new byte[16], "HmacSHA256"), "livedesk", "livedesk", 0));
  }

  private static long inSeconds(long seconds) {
    return new Date(System.currentTimeMillis() + seconds * 1000).getTime() / 1000;
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String signed(String header, String claims) {
    return sign("HmacSHA256", b64(header) + "." + b64(claims));
  }

  private static String sign(String jca, String signingInput) {
    try {
      Mac mac = Mac.getInstance(jca);
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), jca));
      return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
          mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
