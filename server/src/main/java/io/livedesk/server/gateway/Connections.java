package io.livedesk.server.gateway;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open TCP connections of the node, shared by its gateways: a cap on all of them and a cap per
 * address, so that one host cannot take every file descriptor. Trusted proxies carry many clients
 * on one address and are held only by the total.
 */
final class Connections {

  private final int max;
  private final int maxPerIp;
  private final Set<String> trustedProxies;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<String, AtomicInteger> byIp = new ConcurrentHashMap<>();

  Connections(int max, int maxPerIp, Set<String> trustedProxies) {
    this.max = max;
    this.maxPerIp = maxPerIp;
    this.trustedProxies = trustedProxies;
  }

  /** Counts a new connection from this address; false (and nothing counted) when a cap is reached. */
  boolean admit(String ip) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      return false;
    }
    if (trustedProxies.contains(ip)) {
      return true;
    }
    AtomicInteger count = byIp.compute(ip, (k, c) -> {
      AtomicInteger n = c == null ? new AtomicInteger() : c;
      n.incrementAndGet();
      return n;
    });
    if (count.get() > maxPerIp) {
      release(ip);
      return false;
    }
    return true;
  }

  void release(String ip) {
    open.decrementAndGet();
    if (!trustedProxies.contains(ip)) {
      byIp.computeIfPresent(ip, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
    }
  }

  int open() {
    return open.get();
  }
}
