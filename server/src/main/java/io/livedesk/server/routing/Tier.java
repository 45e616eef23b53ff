package io.livedesk.server.routing;

import java.time.Duration;
import java.util.Objects;

/**
 * A service tier: its name, the response budget it promises, and its rank among the configured
 * tiers (0 is the most urgent). Compare tiers with {@link #atLeast(Tier)} rather than by name.
 */
public record Tier(String name, Duration budget, int rank) implements Comparable<Tier> {

  public Tier {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(budget, "budget");
    if (budget.isNegative() || budget.isZero()) {
      throw new IllegalArgumentException("tier " + name + ": the budget must be positive");
    }
  }

  /** True when this tier is as urgent as {@code other} or more: {@code tier.atLeast(normal)}. */
  public boolean atLeast(Tier other) {
    return rank <= other.rank;
  }

  public boolean moreUrgentThan(Tier other) {
    return rank < other.rank;
  }

  /** The more urgent of the two. */
  public static Tier mostUrgent(Tier a, Tier b) {
    return a.atLeast(b) ? a : b;
  }

  /** Most urgent first. */
  @Override
  public int compareTo(Tier other) {
    return Integer.compare(rank, other.rank);
  }

  @Override
  public String toString() {
    return name;
  }
}
