package io.livedesk.load.sims;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.WsFrameCheck;

import java.time.Duration;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.ws;

/**
 * Mobile clients: the customer flow (see CustomersSimulation) over binary protobuf frames
 * (subprotocol livedesk.protobuf); request names end in " (protobuf)". Run it with agents
 * answering (DeskSimulation, or AgentsSimulation alongside). -Dlivedesk.customers=120 -Dlivedesk.seconds=60
 */
public class MobileSimulation extends Simulation {

  static final String SUFFIX = " (protobuf)";

  private static ChainBuilder askAndAwaitHuman() {
    return doIfOrElse(session -> session.getBoolean("bot")).then(
            exec(ws("ask" + SUFFIX).sendBytes(MobileSimulation::ask)
                .await(10).on(ws.checkBinaryMessage("bot answer" + SUFFIX)
                    .matching(bodyBytes().transform(Frames::messageSenderRole).is(Frames.SENDER_ROLE_BOT))
                    .check(bodyBytes().transform(Frames::messageConversationId).saveAs("cid"))))
                .exec(ws("ask for a person" + SUFFIX)
                    .sendBytes(s -> Frames.send("f", s.getString("cid"), "f-" + s.userId(), s.getString("followUp")))
                    .await(Livedesk::budget).on(humanAnswer())))
        .orElse(exec(ws("ask" + SUFFIX).sendBytes(MobileSimulation::ask).await(Livedesk::budget).on(humanAnswer())));
  }

  private static byte[] ask(io.gatling.javaapi.core.Session s) {
    return Frames.ask("a", s.getString("text"), "m-" + s.userId());
  }

  private static WsFrameCheck.Binary humanAnswer() {
    return ws.checkBinaryMessage("#{tier}" + CustomersSimulation.HUMAN_ANSWER + SUFFIX)
        .matching(bodyBytes().transform(Frames::messageSenderRole).is(Frames.SENDER_ROLE_AGENT))
        .check(bodyBytes().transform(Frames::bodyCase).is(Frames.MESSAGE));
  }

  static ScenarioBuilder mobile() {
    return scenario("mobile customers")
        .feed(Livedesk.questions())
        .exitBlockOnFail().on(
            exec(Livedesk.connect("mobile", "customer", "livedesk.protobuf"))
                .exec(askAndAwaitHuman())
                .exec(ws("close").close()))
        .exec(Livedesk.customerDone());
  }

  {
    int customers = Livedesk.prop("customers", 120);
    Livedesk.CUSTOMERS_LEFT.set(customers);
    setUp(mobile().injectOpen(rampUsers(customers).during(Duration.ofSeconds(Livedesk.prop("seconds", 60)))))
        .protocols(Livedesk.protocol())
        .maxDuration(Duration.ofSeconds(Livedesk.prop("seconds", 60) + 180))
        // one assertions(...) call: a second one would replace the first
        .assertions(Livedesk.withSessions(CustomersSimulation.assertions(SUFFIX)));
  }
}
