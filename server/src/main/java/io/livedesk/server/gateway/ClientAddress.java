package io.livedesk.server.gateway;

import io.vertx.core.MultiMap;

import java.util.Set;

/**
 * The address a request really comes from. X-Forwarded-For is believed only when the TCP peer is
 * a configured trusted proxy (anyone else could write any address into it), and then its last
 * entry that is not itself a trusted proxy: entries further left were written by the client.
 */
final class ClientAddress {

  private ClientAddress() {
  }

  static String of(String peer, MultiMap headers, Set<String> trustedProxies) {
    if (!trustedProxies.contains(peer)) {
      return peer;
    }
    String forwarded = headers.get("X-Forwarded-For");
    if (forwarded == null || forwarded.isBlank()) {
      return peer;
    }
    String[] hops = forwarded.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (!hop.isEmpty() && !trustedProxies.contains(hop)) {
        return hop;
      }
    }
    return peer;
  }
}
