package io.livedesk.server.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The configured tiers, most urgent (shortest budget) first. */
public final class Tiers {

  private final List<Tier> ordered;
  private final Map<String, Tier> byName = new LinkedHashMap<>();

  private Tiers(List<Tier> ordered) {
    this.ordered = List.copyOf(ordered);
    ordered.forEach(t -> byName.put(t.name(), t));
  }

  /** Tiers from names and budgets; urgency follows the budget, shortest first. */
  public static Tiers of(Map<String, Duration> budgets) {
    if (budgets.isEmpty()) {
      throw new IllegalArgumentException("at least one tier is needed");
    }
    List<Map.Entry<String, Duration>> sorted = new ArrayList<>(budgets.entrySet());
    sorted.sort(Map.Entry.comparingByValue(Comparator.naturalOrder()));
    List<Tier> tiers = new ArrayList<>();
    for (Map.Entry<String, Duration> e : sorted) {
      tiers.add(new Tier(e.getKey(), e.getValue(), tiers.size()));
    }
    return new Tiers(tiers);
  }

  public Optional<Tier> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The tier of that name; fails naming the known ones. */
  public Tier get(String name) {
    return find(name).orElseThrow(() -> new IllegalArgumentException(
        "unknown tier '" + name + "' (known: " + String.join(", ", byName.keySet()) + ")"));
  }

  /** Most urgent first. */
  public List<Tier> all() {
    return ordered;
  }

  public Tier mostUrgent() {
    return ordered.get(0);
  }

  public Tier leastUrgent() {
    return ordered.get(ordered.size() - 1);
  }

  @Override
  public String toString() {
    return ordered.toString();
  }
}
