package io.livedesk.server.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The plain case of a token, checked without jjwt: an HS token whose header holds only
 * {@code alg} (and {@code typ: JWT}), signed with the configured secret under the algorithm that
 * secret's length names, with flat claims, a whole-second {@code exp} and the configured issuer
 * and audience. jjwt's parse was a quarter of a gateway loop's samples per connect under churn
 * (JFR), and its layers (Jackson's untyped maps, the JCA lookups per token) were among the largest
 * methods the JIT compiled while a fresh node took its sessions back.
 *
 * <p>It only ever accepts: a token it finds anything unusual in, or would refuse, gets
 * {@code null} and goes to jjwt, which accepts it or says why not. So it accepts nothing jjwt
 * refuses (same signature over the same bytes, compared in constant time; a key at least as long
 * as the algorithm needs, as jjwt requires; exp and nbf within the same clock skew; iss and aud as
 * jjwt's required claims; a repeated key anywhere, which jjwt's JSON reader refuses, goes to jjwt),
 * and every refusal keeps jjwt's error.
 */
final class HmacFastPath {

  private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();
  private static final Base64.Encoder CANONICAL = Base64.getUrlEncoder().withoutPadding();

  private final SecretKey key;
  private final String alg;
  private final String issuer;
  private final String audience;
  private final long skewMs;
  /** A Mac per thread, keyed once: getting one from the JCA provider on every token was most of jjwt's signature cost. */
  private final ThreadLocal<Mac> macs;

  /** The claims of an accepted token, as jjwt would hand them over. */
  record Claims(String subject, Object name, Object roles, Object role, Object tags, long expiresAtMs) {
  }

  private HmacFastPath(SecretKey key, String alg, String issuer, String audience, long skewMs) {
    this.key = key;
    this.alg = alg;
    this.issuer = issuer;
    this.audience = audience;
    this.skewMs = skewMs;
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /** For a secret made by jjwt's Keys.hmacShaKeyFor: its JCA name says the one algorithm taken here. */
  static HmacFastPath of(SecretKey key, String issuer, String audience, long skewMs) {
    if (key == null) {
      return null;
    }
    String alg = switch (key.getAlgorithm()) {
      case "HmacSHA256" -> "HS256";
      case "HmacSHA384" -> "HS384";
      case "HmacSHA512" -> "HS512";
      default -> null;
    };
    int minBytes = alg == null ? Integer.MAX_VALUE : Integer.parseInt(alg.substring(2)) / 8;
    if (key.getEncoded() == null || key.getEncoded().length < minBytes) {
      return null;
    }
    return new HmacFastPath(key, alg, issuer, audience, skewMs);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(key.getAlgorithm());
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no " + key.getAlgorithm() + " in this JVM", e);
    }
  }

  /** The claims when the token is plain and valid; null for anything else, which jjwt then decides on. */
  Claims verify(String token, long now) {
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot1 <= 0 || dot2 <= dot1 + 1 || dot2 == token.length() - 1 || token.indexOf('.', dot2 + 1) >= 0
        || !base64url(token)) {
      return null;
    }
    try {
      String encodedSignature = token.substring(dot2 + 1);
      byte[] signature = BASE64URL.decode(encodedSignature);
      // one encoding per signature: the few that decode alike are left to jjwt
      if (!CANONICAL.encodeToString(signature).equals(encodedSignature)) {
        return null;
      }
      byte[] expected = macs.get().doFinal(token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII));
      if (!MessageDigest.isEqual(expected, signature) || !plainHeader(BASE64URL.decode(token.substring(0, dot1)))) {
        return null;
      }
      return claims(BASE64URL.decode(token.substring(dot1 + 1, dot2)), now);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Only the base64url alphabet and the two dots: no padding, no whitespace, nothing jjwt might read differently. */
  private static boolean base64url(String token) {
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
        return false;
      }
    }
    return true;
  }

  private boolean plainHeader(byte[] json) throws IOException {
    Map<String, Object> header = flatObject(json);
    if (header == null || !alg.equals(header.get("alg"))) {
      return false;
    }
    for (Map.Entry<String, Object> e : header.entrySet()) {
      boolean known = e.getKey().equals("alg") || (e.getKey().equals("typ") && "JWT".equals(e.getValue()));
      if (!known) {
        return false;
      }
    }
    return true;
  }

  private Claims claims(byte[] json, long now) throws IOException {
    Map<String, Object> c = flatObject(json);
    if (c == null || !(c.get("sub") instanceof String sub) || sub.isBlank()
        || !(c.get("exp") instanceof Long exp) || !issuer.equals(c.get("iss")) || !hasAudience(c.get("aud"))) {
      return null;
    }
    if (exp > Long.MAX_VALUE / 1000 || now - skewMs > exp * 1000) {
      return null;
    }
    Object nbf = c.get("nbf");
    if (nbf != null && (!(nbf instanceof Long notBefore) || notBefore > Long.MAX_VALUE / 1000 || now + skewMs < notBefore * 1000)) {
      return null;
    }
    Object name = c.get("name");
    if (name != null && !(name instanceof String)) {
      return null;
    }
    return new Claims(sub, name, c.get("roles"), c.get("role"), c.get("tags"), exp * 1000);
  }

  private boolean hasAudience(Object aud) {
    return audience.equals(aud) || (aud instanceof List<?> list && list.contains(audience));
  }

  /**
   * A JSON object of strings, whole numbers (as Long), booleans, nulls and arrays of those; null
   * for anything else (a nested object, a fraction, a number past a long, a repeated key).
   */
  private static Map<String, Object> flatObject(byte[] json) throws IOException {
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Map<String, Object> out = new HashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        Object value;
        if (t == JsonToken.START_ARRAY) {
          List<Object> items = new ArrayList<>();
          for (JsonToken i = p.nextToken(); i != JsonToken.END_ARRAY; i = p.nextToken()) {
            Object item = scalar(p, i);
            if (item == Unreadable.VALUE) {
              return null;
            }
            items.add(item);
          }
          value = items;
        } else {
          value = scalar(p, t);
          if (value == Unreadable.VALUE) {
            return null;
          }
        }
        out.put(field, value);
      }
      // the object must end the document: nothing after it
      return p.currentToken() == JsonToken.END_OBJECT && p.nextToken() == null ? out : null;
    }
  }

  private enum Unreadable { VALUE }

  private static Object scalar(JsonParser p, JsonToken t) throws IOException {
    return switch (t) {
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.INT || p.getNumberType() == JsonParser.NumberType.LONG
          ? p.getLongValue() : Unreadable.VALUE;
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> Unreadable.VALUE;
    };
  }
}
