package io.livedesk.server.routing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Thousands of random schedules against the in-memory routing core ({@link RoutingSimulation}),
 * each from its own seed. A failure names its seed; replay it alone with
 * {@code -Drouting.sim.seed=SEED -Drouting.sim.schedules=1}.
 */
class RoutingSimulationTest {

  private static final long FIRST_SEED = Long.getLong("routing.sim.seed", 1L);
  private static final int SCHEDULES = Integer.getInteger("routing.sim.schedules", 2000);
  private static final int STEPS = Integer.getInteger("routing.sim.steps", 100);

  private static final Logger routingLog = (Logger) LoggerFactory.getLogger("io.livedesk.server.routing");
  private static Level level;

  /** The schedules fail writes and lose agents on purpose, thousands of times: their warnings are noise here. */
  @BeforeAll
  static void quiet() {
    level = routingLog.getLevel();
    routingLog.setLevel(Level.ERROR);
  }

  @AfterAll
  static void loud() {
    routingLog.setLevel(level);
  }

  @Test
  void randomSchedulesNeverLoseDuplicateOrOverbookAConversation() {
    for (int i = 0; i < SCHEDULES; i++) {
      long seed = FIRST_SEED + i;
      try {
        new RoutingSimulation(seed, STEPS).run();
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("schedule with seed " + seed + " failed (replay: -Drouting.sim.seed=" + seed
            + " -Drouting.sim.schedules=1): " + e.getMessage(), e);
      }
    }
  }
}
