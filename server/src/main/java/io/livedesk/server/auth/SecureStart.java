package io.livedesk.server.auth;

import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.HttpConfig;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Refuses settings that would let anyone in: a node outside dev mode needs a key of its own, and
 * dev mode (public secret, token-minting login page) only listens on loopback. Each refusal is one
 * line naming the setting to change.
 */
public final class SecureStart {

  private SecureStart() {
  }

  public static void check(HttpConfig http, AuthConfig auth) {
    if (http.dev()) {
      if (!loopback(http.host())) {
        throw new ConfigException("in http.host: dev mode (LIVEDESK_DEV=true) mints tokens for anyone, so it needs a "
            + "loopback LIVEDESK_HOST such as 127.0.0.1, not " + http.host());
      }
      return;
    }
    if (auth.usesDevSecret()) {
      throw new ConfigException("in auth.jwtSecret: LIVEDESK_JWT_SECRET is a public example secret; set a random one "
          + "of your own (openssl rand -base64 48), or LIVEDESK_DEV=true on a loopback LIVEDESK_HOST to try things out");
    }
    if (auth.secret().isEmpty() && !auth.hasPublicKey()) {
      throw new ConfigException("in auth.jwtSecret: no token key; set LIVEDESK_JWT_SECRET (openssl rand -base64 48) "
          + "or LIVEDESK_JWT_PUBLIC_KEY, or LIVEDESK_DEV=true on a loopback LIVEDESK_HOST to try things out");
    }
  }

  /** Resolves names once, at start, before any event loop exists. */
  static boolean loopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
