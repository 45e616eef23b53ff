package io.livedesk.server.gateway;

/** A rate limit: {@code rate} events per second sustained, {@code burst} at once. */
final class TokenBucket {

  private final double rate;
  private final double burst;
  private double tokens;
  private long refilledAt;

  TokenBucket(double rate, double burst, long now) {
    this.rate = rate;
    this.burst = burst;
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** Takes one token if there is one. Synchronized: a user's sessions may live on several event loops. */
  synchronized boolean take(long now) {
    refill(now);
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  /** Whether the bucket has refilled completely, i.e. its owner has been quiet: it can be forgotten. */
  synchronized boolean full(long now) {
    refill(now);
    return tokens >= burst;
  }

  private void refill(long now) {
    tokens = Math.min(burst, tokens + (now - refilledAt) * rate / 1000.0);
    refilledAt = now;
  }
}
