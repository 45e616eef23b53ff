package io.livedesk.server.faults;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The short crash drill in every build: a node process under mixed load is killed with SIGKILL
 * at a random moment of each round and restarted on the same data; nothing it acknowledged may
 * be missing, out of sequence or doubled, and no coupon is granted beyond the total.
 * {@code scripts/crash-drill.sh} runs the long drill (20 rounds, 1 and 3 nodes). The seed is
 * printed, and {@code -Ddrill.seed=N} replays one.
 */
class CrashDrillTest {

  @Test
  void aNodeKilledAtRandomMomentsLosesNothingItAcknowledged(@TempDir Path temp) throws Exception {
    // the long drill keeps its node logs (drill.dir); the build's short one cleans up after itself
    Path dir = System.getProperty("drill.dir") != null ? Files.createDirectories(Path.of(System.getProperty("drill.dir"))) : temp;
    long seed = Long.getLong("drill.seed", System.nanoTime());
    int nodes = Integer.getInteger("drill.nodes", 1);
    int rounds = Integer.getInteger("drill.rounds", 3);
    System.out.println("crash drill seed " + seed);
    List<CrashDrill.Round> result;
    try (CrashDrill drill = new CrashDrill(nodes, dir, seed, Integer.getInteger("drill.customers", 4),
        Integer.getInteger("drill.coupons", 25), Long.getLong("drill.roundMs", 4000))) {
      result = drill.run(rounds);
    }
    assertTrue(result.stream().allMatch(CrashDrill.Round::clean), () -> "seed " + seed + ":\n" + CrashDrill.Round.header()
        + "\n" + String.join("\n", result.stream().map(CrashDrill.Round::row).toList()));
    assertTrue(result.stream().mapToInt(CrashDrill.Round::ackedMessages).max().orElse(0) > 0, "the drill sent messages at all");
    assertTrue(result.get(result.size() - 1).grantedClaims() > 0, "the drill claimed coupons at all");
  }
}
