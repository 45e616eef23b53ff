package io.livedesk.load.sims;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatling.javaapi.core.ActionBuilder;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.stopLoadGeneratorIf;
import static io.gatling.javaapi.core.CoreDsl.substring;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.ws;

/**
 * What every simulation shares: the target ({@code -Dlivedesk.url}, {@code -Dlivedesk.secret}),
 * tokens minted per virtual user, the authenticated connect, and the labelled questions.
 * Other knobs are {@code -Dlivedesk.<name>} system properties read with {@link #prop}.
 */
final class Livedesk {

  static final String URL = System.getProperty("livedesk.url", "ws://127.0.0.1:8080/ws");
  static final Tokens TOKENS = new Tokens(
      System.getProperty("livedesk.secret", "livedesk-development-secret-do-not-use-in-production"),
      System.getProperty("livedesk.issuer", "livedesk"), System.getProperty("livedesk.audience", "livedesk"));
  /** Seconds a tier's first human answer may take (the server's defaults). */
  static final Map<String, Integer> TIER_BUDGET_SECONDS = Map.of("urgent", 10, "normal", 30, "low", 120);

  private Livedesk() {
  }

  static HttpProtocolBuilder protocol() {
    return http;
  }

  static int prop(String name, int fallback) {
    return Integer.getInteger("livedesk." + name, fallback);
  }

  /**
   * Mints a token for this virtual user ({@code <prefix>-<gatling user id>-<run id>}) and connects
   * with it in the upgrade. Gatling records the upgrade as "connect" (until the handshake's 101)
   * and the wait for the server's welcome after it as "welcome" (the token checked, the session made).
   */
  static ChainBuilder connect(String userPrefix, String role, String subprotocol) {
    return exec(session -> session.set("token", TOKENS.mint(userPrefix + "-" + session.userId() + "-" + runId(), role, 3600)))
        .exec(connectAction(subprotocol));
  }

  private static ActionBuilder connectAction(String subprotocol) {
    var connect = ws("connect").connect(URL).header("Authorization", "Bearer #{token}").subprotocol(subprotocol);
    return subprotocol.endsWith("json")
        ? connect.await(10).on(ws.checkTextMessage("welcome").check(substring("\"welcome\"")))
        : connect.await(10).on(ws.checkBinaryMessage("welcome").check(
            io.gatling.javaapi.core.CoreDsl.bodyBytes().transform(Frames::bodyCase).is(Frames.WELCOME)));
  }

  /** Unique per run, so two runs against one server never share users. */
  static String runId() {
    return RUN;
  }

  private static final String RUN = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

  /**
   * Intents the server's bot answers by itself (the shipped faq.json; override with
   * {@code -Dlivedesk.botIntents=a,b} for another knowledge base). Such a question is not queued
   * until the customer writes again, so the customer flows ask for a person after the bot's answer.
   */
  static final Set<String> BOT_INTENTS = Set.of(
      System.getProperty("livedesk.botIntents", "shipping,returns,invoice,points,review,thanks").split(","));

  /**
   * The labelled questions (copied from the issue), endlessly and randomly, each with its tier's
   * budget in seconds ({@code budget}), whether the bot answers it first ({@code bot}) and the
   * follow-up that then asks for a person ({@code followUp}: the question again, with "a person
   * please", so the server classifies the hand-off into the question's own tier).
   */
  static Iterator<Map<String, Object>> questions() {
    List<Map<String, Object>> all = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        Objects.requireNonNull(Livedesk.class.getResourceAsStream("/questions.jsonl")), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.isBlank()) {
          @SuppressWarnings("unchecked")
          Map<String, Object> q = json.readValue(line, Map.class);
          String text = (String) q.get("text");
          q.put("budget", TIER_BUDGET_SECONDS.get((String) q.get("tier")));
          q.put("bot", BOT_INTENTS.contains((String) q.get("intent")));
          q.put("followUp", text.chars().anyMatch(c -> c >= 0x4e00 && c <= 0x9fff)
              ? "还是不清楚,转人工:" + text : "That did not help, I want to talk to a person: " + text);
          all.add(q);
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot read questions.jsonl", e);
    }
    return java.util.stream.Stream.generate(() -> all.get(ThreadLocalRandom.current().nextInt(all.size()))).iterator();
  }

  /** The tier's budget: how long a customer waits for the first human answer before it counts as missed. */
  static Duration budget(Session s) {
    return Duration.ofSeconds(s.getInt("budget"));
  }

  /** Escapes text for a JSON string literal. */
  static String quote(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  static Function<Session, String> askJson() {
    return s -> "{\"id\":\"a\",\"ask\":{\"text\":\"" + quote(s.getString("text")) + "\",\"clientMsgId\":\"q-" + s.userId() + "\"}}";
  }

  static Function<Session, String> followUpJson() {
    return s -> "{\"id\":\"f\",\"send\":{\"conversationId\":\"" + s.getString("cid") + "\",\"clientMsgId\":\"f-" + s.userId()
        + "\",\"text\":\"" + quote(s.getString("followUp")) + "\"}}";
  }

  /**
   * Customers of one desk run (JSON and protobuf together) still to finish. The desk simulation
   * stops the whole run when the last one is done, so agents waiting for offers do not keep it going.
   */
  static final AtomicInteger CUSTOMERS_LEFT = new AtomicInteger();

  /**
   * The last step of every customer, answered or not: when the last one of the run is done,
   * stop the run (a success), so agents still waiting for offers do not hold it open.
   */
  static ChainBuilder customerDone() {
    return stopLoadGeneratorIf("every customer is done", session -> CUSTOMERS_LEFT.decrementAndGet() == 0);
  }

  /** The assertions plus: fewer than 1 % of sessions fail to open (connect refused, no welcome). */
  static List<Assertion> withSessions(List<Assertion> assertions) {
    List<Assertion> all = new ArrayList<>(assertions);
    all.add(details("welcome").failedRequests().percent().lt(1.0));
    return all;
  }
}
