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
   * The built-in development secret. Tokens signed with it prove nothing, so it is used only in
   * dev mode when no key is configured, and a node outside dev mode refuses to start with it.
   */
  public static final String DEV_SECRET = "livedesk-development-secret-do-not-use-in-production";
  /**
   * Secrets printed in this repository (the development one, the Kubernetes example's
   * placeholder): anyone can read them, so a node outside dev mode refuses them like no secret.
   */
  public static final java.util.Set<String> PUBLIC_SECRETS = java.util.Set.of(DEV_SECRET,
      "replace-with-at-least-32-random-bytes-of-secret");

  public static final List<Setting> SETTINGS = List.of(
      new Setting("auth.jwtSecret", "LIVEDESK_JWT_SECRET", "", "HS256 shared secret (at least 32 bytes); required unless auth.jwtPublicKey is set; dev mode alone falls back to a public development secret"),
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
    String publicKey = c.string("auth.jwtPublicKey");
    boolean noKey = (secret == null || secret.isEmpty()) && (publicKey == null || publicKey.isBlank());
    // Only dev mode, and only with no key of its own, checks tokens with the public secret: a
    // configured public key never brings an HS256 key along with it.
    if (noKey && c.bool("dev")) {
      secret = DEV_SECRET;
    }
    return new AuthConfig(secret == null ? "" : secret, publicKey,
        c.string("auth.issuer"), c.string("auth.audience"),
        c.positive("auth.helloTimeoutMs"), c.nonNegative("auth.clockSkewSeconds"));
  }

  public boolean usesDevSecret() {
    return PUBLIC_SECRETS.contains(secret);
  }

  public boolean hasPublicKey() {
    return publicKeyPath != null && !publicKeyPath.isBlank();
  }
}
