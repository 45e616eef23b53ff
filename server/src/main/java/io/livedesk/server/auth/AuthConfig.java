package io.livedesk.server.auth;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.Setting;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** How tokens are verified: an HS256 secret and/or an RS256/ES256 public key, issuer, audience. */
public record AuthConfig(String secret, String publicKeyPath, String issuer, String audience,
                         int helloTimeoutMs, int clockSkewSeconds) {

  /**
   * The built-in development secret. Tokens signed with it prove nothing: the token command
   * refuses it unless dev mode is on, and the server warns at start when it is in use.
   */
  public static final String DEV_SECRET = "livedesk-development-secret-do-not-use-in-production";

  public static final List<Setting> SETTINGS = List.of(
      new Setting("auth.jwtSecret", "LIVEDESK_JWT_SECRET", DEV_SECRET, "HS256 shared secret (at least 32 bytes); the default is a public development secret"),
      new Setting("auth.jwtPublicKey", "LIVEDESK_JWT_PUBLIC_KEY", "", "PEM file with an RSA or EC public key for RS256/ES256 tokens"),
      Setting.of("auth.issuer", "livedesk", "required iss claim"),
      Setting.of("auth.audience", "livedesk", "required aud claim"),
      Setting.of("auth.helloTimeoutMs", 5000, "how long a connection without a token may wait before its hello frame"),
      Setting.of("auth.clockSkewSeconds", 30, "allowed clock difference when checking exp and nbf"));

  public static AuthConfig from(Config c) {
    String secret = c.string("auth.jwtSecret");
    if (secret != null && !secret.isEmpty() && secret.getBytes(StandardCharsets.UTF_8).length < 32) {
      throw new ConfigException("in auth.jwtSecret: an HS256 secret needs at least 32 bytes");
    }
    return new AuthConfig(secret == null ? "" : secret, c.string("auth.jwtPublicKey"),
        c.string("auth.issuer"), c.string("auth.audience"),
        c.positive("auth.helloTimeoutMs"), c.nonNegative("auth.clockSkewSeconds"));
  }

  public boolean usesDevSecret() {
    return DEV_SECRET.equals(secret);
  }
}
