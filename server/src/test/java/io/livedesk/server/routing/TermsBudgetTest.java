package io.livedesk.server.routing;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A regular expression can cost a match only a bounded amount of work, whatever the shop wrote. */
class TermsBudgetTest {

  @Test
  void nestedRepetitionIsRecognisedAndOrdinaryPatternsAreNot() {
    // Java's engine copes with the textbook (a+)+$ by now; polynomial blow-ups remain.
    assertTrue(Terms.backtracksCatastrophically(Pattern.compile("(.*,){12}P")));
    assertTrue(Terms.backtracksCatastrophically(Pattern.compile("(.*a){20}x")));
    assertFalse(Terms.backtracksCatastrophically(Pattern.compile("\\b(any|some|none)\\b.{0,20}\\bleft\\b")));
    assertFalse(Terms.backtracksCatastrophically(Pattern.compile("(穿|拿|选|买)\\s?(xxs|xs|s|m|l|xl|xxl|\\dxl)(?![a-z])")));
  }

  @Test
  void aPatternThatSlipsPastTheCheckStillCostsAMatchOnlyItsBudget() {
    // Built directly, as a rule from an older node could be: the match gives up and counts as none.
    Terms terms = new Terms(List.of(new Terms.Term(Pattern.compile("(.*,){12}P"), Terms.PATTERN_WEIGHT)));
    long started = System.nanoTime();
    assertFalse(terms.match(",".repeat(60) + "x").any());
    assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(2));
    assertTrue(terms.match(",,,,,,,,,,,,P").any());
  }
}
