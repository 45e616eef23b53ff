package io.livedesk.load.sims;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;

import java.time.Duration;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.ws;

/**
 * Live-stream viewers: join one room, chat at a given rate, and receive the room. Each say waits
 * for its own message to come back through the room (the fan-out every viewer receives), so the
 * "say to receipt" timing is the room's delivery latency.
 * -Dlivedesk.users=200 -Dlivedesk.rampSeconds=20 -Dlivedesk.seconds=60 -Dlivedesk.saysPerMinute=6 -Dlivedesk.p99Ms=200
 *
 * <p>Gatling records a send and each of its checks separately: the send itself ("say") takes
 * no time; the check ("say to receipt") carries the timing, so the assertions name the checks.
 */
public class ViewersSimulation extends Simulation {

  private final int users = Livedesk.prop("users", 200);
  private final int seconds = Livedesk.prop("seconds", 60);
  private final int saysPerMinute = Livedesk.prop("saysPerMinute", 6);
  private final String room = System.getProperty("livedesk.room", "live-" + Livedesk.runId());

  private final ScenarioBuilder viewers = scenario("viewers")
      .exec(Livedesk.connect("viewer", "viewer", "livedesk.json"))
      .exec(ws("join").sendText("{\"id\":\"j\",\"joinRoom\":{\"roomId\":\"" + room + "\"}}")
          .await(10).on(ws.checkTextMessage("joined").matching(substring("\"replyTo\":\"j\"")).check(substring("\"roomJoined\""))))
      .during(Duration.ofSeconds(seconds)).on(
          pace(Duration.ofMillis(60_000L / Math.max(1, saysPerMinute)))
              .exec(session -> session.set("cmid", session.userId() + "-" + System.nanoTime()))
              // The own message back (alone or inside a roomBatch), or the refusal of the say
              // (SLOW_MODE, BLOCKED_TERM...), which fails the check at once instead of at the timeout.
              .exec(ws("say")
                  .sendText("{\"id\":\"say\",\"say\":{\"roomId\":\"" + room + "\",\"text\":\"hello from #{cmid}\",\"clientMsgId\":\"#{cmid}\"}}")
                  .await(5).on(ws.checkTextMessage("say to receipt")
                      .matching(regex("\"clientMsgId\":\"#{cmid}\"|\"replyTo\":\"say\",\"error\""))
                      .check(substring("\"clientMsgId\":\"#{cmid}\"")))))
      .exec(ws("close").close());

  {
    setUp(viewers.injectOpen(rampUsers(users).during(Duration.ofSeconds(Livedesk.prop("rampSeconds", 20)))))
        .protocols(Livedesk.protocol())
        .assertions(
            global().failedRequests().percent().lt(1.0),
            details("say to receipt").responseTime().percentile(99.0).lt(Livedesk.prop("p99Ms", 200)),
            details("connect").responseTime().percentile(99.0).lt(2000));
  }
}
