package io.livedesk.load.sims;

import io.gatling.javaapi.core.Simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.gatling.javaapi.core.CoreDsl.*;

/**
 * The customer-service desk in one run: agents come online first, then customers (JSON) and
 * mobile customers (protobuf) arrive evenly over {@code seconds} and ask the labelled questions.
 * The run ends when the last customer is done (or at seconds + 180 s). Every assertion of the
 * three simulations applies.
 * -Dlivedesk.agents=20 -Dlivedesk.customers=60 -Dlivedesk.mobileCustomers=60 -Dlivedesk.seconds=60
 */
public class DeskSimulation extends Simulation {

  {
    int seconds = Livedesk.prop("seconds", 60);
    int agents = Livedesk.prop("agents", 20);
    int customers = Livedesk.prop("customers", 60);
    int mobile = Livedesk.prop("mobileCustomers", 60);
    Livedesk.CUSTOMERS_LEFT.set(customers + mobile);
    // Customers start once every agent has had time to connect and go online.
    Duration agentsFirst = Duration.ofSeconds(8);

    List<io.gatling.javaapi.core.Assertion> assertions = new ArrayList<>(AgentsSimulation.assertions());
    assertions.addAll(CustomersSimulation.assertions(""));
    assertions.addAll(CustomersSimulation.assertions(MobileSimulation.SUFFIX));
    setUp(
        AgentsSimulation.agents(seconds + 300).injectOpen(rampUsers(agents).during(Duration.ofSeconds(5))),
        CustomersSimulation.customers().injectOpen(nothingFor(agentsFirst), rampUsers(customers).during(Duration.ofSeconds(seconds))),
        MobileSimulation.mobile().injectOpen(nothingFor(agentsFirst), rampUsers(mobile).during(Duration.ofSeconds(seconds))))
        .protocols(Livedesk.protocol())
        .maxDuration(Duration.ofSeconds(seconds + 180))
        .assertions(assertions);
  }
}
