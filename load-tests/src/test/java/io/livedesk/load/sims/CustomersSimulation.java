package io.livedesk.load.sims;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.ws;

/**
 * Customers ask the labelled questions (all three tiers) and wait for the first answer from a
 * human agent. The wait is bounded by the tier's budget, so a late answer is a failed request:
 * each tier's success rate is its SLA attainment. Run it with agents answering (DeskSimulation,
 * or AgentsSimulation alongside). -Dlivedesk.customers=120 -Dlivedesk.seconds=60
 *
 * <p>Two flows, by the question's intent ({@link Livedesk#BOT_INTENTS}):
 * <ul>
 *   <li>the bot cannot answer it: the ask goes to the queue at once, and "TIER: first human
 *   answer" runs from the ask to the agent's message;</li>
 *   <li>the bot answers it ("bot answer", from the ask): the customer writes again asking for a
 *   person (the follow-up hands the conversation to the queue), and "TIER: first human answer"
 *   runs from that follow-up to the agent's message.</li>
 * </ul>
 * Either way the timing starts when the conversation enters the queue, as the server's SLA does.
 * Gatling records a send and its checks separately; the checks carry the timings.
 */
public class CustomersSimulation extends Simulation {

  static final String HUMAN_ANSWER = ": first human answer";

  private static ChainBuilder askAndAwaitHuman() {
    return doIfOrElse(session -> session.getBoolean("bot")).then(
            exec(ws("ask").sendText(Livedesk.askJson())
                .await(10).on(ws.checkTextMessage("bot answer").matching(substring("\"senderRole\":\"BOT_SENDER\""))
                    .check(regex("\"conversationId\":\"([^\"]+)\"").saveAs("cid"))))
                .exec(ws("ask for a person").sendText(Livedesk.followUpJson())
                    .await(Livedesk::budget).on(humanAnswer())))
        .orElse(exec(ws("ask").sendText(Livedesk.askJson()).await(Livedesk::budget).on(humanAnswer())));
  }

  private static io.gatling.javaapi.http.WsFrameCheck.Text humanAnswer() {
    return ws.checkTextMessage("#{tier}" + HUMAN_ANSWER).matching(substring("\"senderRole\":\"AGENT\""))
        .check(substring("\"message\""));
  }

  /** {@code customers} customers arriving evenly over {@code seconds}, each asking one question. */
  static ScenarioBuilder customers() {
    return scenario("customers")
        .feed(Livedesk.questions())
        .exitBlockOnFail().on(
            exec(Livedesk.connect("customer", "customer", "livedesk.json"))
                .exec(askAndAwaitHuman())
                .exec(ws("close").close()))
        .exec(Livedesk.customerDone());
  }

  /**
   * Attainment per tier (share of customers answered by a person within the budget) against
   * the targets (99 % urgent, 95 % normal, 90 % low), urgent p99 under its 10 s budget, and
   * nearly every connect and bot answer working. {@code suffix} names the protobuf variant.
   */
  static List<Assertion> assertions(String suffix) {
    List<Assertion> all = new ArrayList<>(List.of(
        details("urgent" + HUMAN_ANSWER + suffix).successfulRequests().percent().gte(99.0),
        details("normal" + HUMAN_ANSWER + suffix).successfulRequests().percent().gte(95.0),
        details("low" + HUMAN_ANSWER + suffix).successfulRequests().percent().gte(90.0),
        details("urgent" + HUMAN_ANSWER + suffix).responseTime().percentile(99.0).lt(10_000),
        details("bot answer" + suffix).failedRequests().percent().lt(1.0),
        details("bot answer" + suffix).responseTime().percentile(99.0).lt(Livedesk.prop("botP99Ms", 1000))));
    return all;
  }

  {
    int customers = Livedesk.prop("customers", 120);
    Livedesk.CUSTOMERS_LEFT.set(customers);
    setUp(customers().injectOpen(rampUsers(customers).during(Duration.ofSeconds(Livedesk.prop("seconds", 60)))))
        .protocols(Livedesk.protocol())
        .maxDuration(Duration.ofSeconds(Livedesk.prop("seconds", 60) + 180))
        // one assertions(...) call: a second one would replace the first
        .assertions(Livedesk.withSessions(assertions("")));
  }
}
