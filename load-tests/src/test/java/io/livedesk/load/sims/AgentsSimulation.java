package io.livedesk.load.sims;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.WsFrameCheck;

import java.time.Duration;
import java.util.List;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.ws;

/**
 * Agent consoles: go online, take each offer, accept it, answer with a template (the ack, the
 * message durably stored, ends the answer) and close the conversation as resolved, which frees
 * the slot for the next offer.
 * -Dlivedesk.agents=20 -Dlivedesk.seconds=120 -Dlivedesk.p99Ms=200
 *
 * <p>Why each virtual agent has capacity 1: a Gatling WebSocket only sees a frame while a check
 * is waiting for it, and drops frames that arrive between checks. An agent with capacity 5
 * would be offered a second conversation while it is accepting the first, miss it, and leave it
 * to expire (15 s, past the urgent budget). With capacity 1 the dispatcher offers a conversation
 * only to an idle agent, and every wait for an offer is armed in the same action that makes the
 * agent idle (going online, closing the conversation), so no offer can slip between two checks.
 * Model N real agents of capacity C with N x C virtual agents.
 */
public class AgentsSimulation extends Simulation {

  private static final List<String> TEMPLATES = List.of(
      "您好,我来帮您查一下,请稍等。", "Hi, I'm checking this for you right now.",
      "已为您登记,稍后会有专人跟进。", "Thanks for waiting - here is what I found.");

  /**
   * Waits for the next offer; idle time, so it is named "offer (idle)" and no assertion reads it.
   * It times out (a KO of that name) only when no customer needed this agent for that long.
   */
  private static WsFrameCheck.Text nextOffer() {
    return ws.checkTextMessage("offer (idle)").matching(substring("\"offer\":{"))
        .check(regex("\"offerId\":\"([^\"]+)\"").saveAs("offerId"),
            regex("\"conversation\":\\{\"id\":\"([^\"]+)\"").saveAs("cid"));
  }

  private static final Duration OFFER_WAIT = Duration.ofSeconds(Livedesk.prop("offerWaitSeconds", 30));

  /** The conversation on offer: accept; when another agent took it first, wait for the next. */
  private static final ChainBuilder HANDLE_OFFER =
      exec(ws("accept").sendText("{\"id\":\"acc\",\"accept\":{\"offerId\":\"#{offerId}\",\"conversationId\":\"#{cid}\"}}")
          .await(10).on(ws.checkTextMessage("accepted").matching(substring("\"replyTo\":\"acc\""))
              // the answer's type first (saved even when the next check fails), then insist on conversation
              .check(regex("\"replyTo\":\"acc\",\"(\\w+)\"").saveAs("acceptAnswer"),
                  regex("\"replyTo\":\"acc\",\"(\\w+)\"").is("conversation"))))
          // A warning offer goes to every idle agent and only one can win it: a lost race is a
          // KO of "accepted" (counted), not the end of this agent.
          .exec(session -> session.markAsSucceeded().remove("offerId"))
          .doIfOrElse(session -> "conversation".equals(session.getString("acceptAnswer"))).then(
              exec(session -> session.set("template", TEMPLATES.get((int) (session.userId() % TEMPLATES.size()))))
                  .exec(ws("answer").sendText("{\"id\":\"ans\",\"send\":{\"conversationId\":\"#{cid}\",\"clientMsgId\":\"t-#{cid}\",\"text\":\"#{template}\"}}")
                      .await(10).on(ws.checkTextMessage("answer acked").matching(substring("\"replyTo\":\"ans\""))
                          .check(substring("\"ack\""))))
                  // Closing frees the slot: the dispatcher may send the next offer before the
                  // close's own answer, so the wait for it is armed here (the answer is ignored).
                  .exec(ws("close conversation")
                      .sendText("{\"id\":\"cl\",\"close\":{\"conversationId\":\"#{cid}\",\"reason\":\"answered\",\"resolved\":true}}")
                      .await(OFFER_WAIT).on(nextOffer())))
          .orElse(exec(ws("wait for offer").sendText("{\"id\":\"w\",\"ping\":{\"clientTime\":\"1\"}}").await(OFFER_WAIT).on(nextOffer())))
          .exec(session -> session.markAsSucceeded());

  /** Agents that stay on shift for {@code seconds} (the desk simulation stops them earlier when its customers are done). */
  static ScenarioBuilder agents(int seconds) {
    return scenario("agents")
        .exec(Livedesk.connect("agent", "agent", "livedesk.json"))
        // Signed in but away first, so the status is checked on its own; going online then
        // arms the wait for the first offer, which may come before the status echo.
        .exec(ws("sign in").sendText(s -> statusJson("AWAY", s.userId()))
            .await(10).on(ws.checkTextMessage("signed in").matching(substring("\"replyTo\":\"st\"")).check(substring("\"AWAY\""))))
        .exec(ws("go online").sendText(s -> statusJson("ONLINE", s.userId())).await(OFFER_WAIT).on(nextOffer()))
        .exec(session -> session.markAsSucceeded())
        .during(Duration.ofSeconds(seconds)).on(
            doIfOrElse(session -> session.contains("offerId")).then(HANDLE_OFFER)
                .orElse(exec(ws("wait for offer").sendText("{\"id\":\"w\",\"ping\":{\"clientTime\":\"1\"}}").await(OFFER_WAIT).on(nextOffer()))
                    .exec(session -> session.markAsSucceeded())))
        .exec(ws("close").close());
  }

  private static String statusJson(String status, long userId) {
    return "{\"id\":\"st\",\"agentStatus\":{\"status\":\"" + status + "\",\"capacity\":1,\"displayName\":\"Agent " + userId + "\"}}";
  }

  static List<Assertion> assertions() {
    return List.of(
        details("welcome").failedRequests().percent().lt(1.0),
        details("signed in").failedRequests().percent().lt(1.0),
        details("accepted").failedRequests().percent().lt(5.0),
        details("answer acked").failedRequests().percent().lt(1.0),
        details("answer acked").responseTime().percentile(99.0).lt(Livedesk.prop("p99Ms", 200)));
  }

  {
    setUp(agents(Livedesk.prop("seconds", 120)).injectOpen(rampUsers(Livedesk.prop("agents", 20)).during(Duration.ofSeconds(5))))
        .protocols(Livedesk.protocol())
        .assertions(assertions());
  }
}
