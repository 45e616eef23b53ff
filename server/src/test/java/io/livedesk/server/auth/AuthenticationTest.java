package io.livedesk.server.auth;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Hello;
import io.livedesk.protocol.Ping;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who gets in: the auth matrix of the gateway, each refusal with its documented codes. */
class AuthenticationTest {

  private static final TestNodes nodes = new TestNodes();
  private static KeyPair rsa;
  private static Node node;

  @BeforeAll
  static void start() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    rsa = generator.generateKeyPair();
    Path pem = Files.createTempFile("jwt", ".pem");
    Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(rsa.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
    node = nodes.start(Map.of("auth.jwtPublicKey", pem.toString(), "auth.helloTimeoutMs", 700));
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"viewer", "customer", "agent", "supervisor", "admin"})
  void aValidTokenOfEachRoleIsWelcomed(String role) {
    try (WsClient ws = WsClient.connect(node.port(), Tokens.of("u-" + role, role))) {
      Frame welcome = ws.request(Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(7)));
      assertEquals(7, welcome.getPong().getClientTime());
    }
  }

  @Test
  void welcomeNamesTheUserRolesAndTags() {
    try (WsClient ws = WsClient.to(node.port()).bearer(Tokens.tagged("vip-1", "customer", "vip")).open()) {
      Frame welcome = ws.await(Frame::hasWelcome);
      assertEquals("vip-1", welcome.getWelcome().getUserId());
      assertEquals(List.of("customer"), welcome.getWelcome().getRolesList());
      assertEquals(List.of("vip"), welcome.getWelcome().getTagsList());
    }
  }

  @Test
  void anRs256TokenSignedWithTheConfiguredKeyIsWelcomed() {
    String token = rsaBuilder().signWith(rsa.getPrivate(), Jwts.SIG.RS256).compact();
    WsClient.connect(node.port(), token).close();
  }

  @Test
  void theTokenMayComeAsAQueryParameter() {
    try (WsClient ws = WsClient.to(node.port()).uri("/ws?access_token=" + Tokens.of("q", "viewer")).open()) {
      ws.await(Frame::hasWelcome);
    }
  }

  @Test
  void theTokenMayComeInTheFirstHelloFrame() {
    try (WsClient ws = WsClient.to(node.port()).open()) {
      Frame welcome = ws.request(Frame.newBuilder().setHello(Hello.newBuilder().setToken(Tokens.of("h", "customer"))));
      assertEquals("h", welcome.getWelcome().getUserId());
    }
  }

  @Test
  void framesBeforeHelloAreRefused() {
    try (WsClient ws = WsClient.to(node.port()).open()) {
      Frame error = ws.request(Frame.newBuilder().setPing(Ping.getDefaultInstance()));
      assertEquals(ErrorCode.NOT_AUTHENTICATED, error.getError().getCode());
    }
  }

  @Test
  void noHelloWithinTheTimeoutClosesWith4003() {
    try (WsClient ws = WsClient.to(node.port()).open()) {
      assertEquals(ErrorCode.AUTH_TIMEOUT, ws.await(Frame::hasError).getError().getCode());
      assertEquals(4003, ws.awaitClose());
    }
  }

  /**
   * A node too busy to read (a reconnect storm's handshakes) must not time out a hello that came
   * in time. The loops run what fell due in deadline order and read sockets only between such
   * runs, so a busy loop met the hello's timer before the hello itself, and closed a client that
   * had done everything right (AUTH_TIMEOUT for up to 66 of 200 resuming customers in a storm of
   * `churn.sh`). Here every loop is kept busy past the timeout and then busy again in a task that
   * falls due before the timer, with the hello sent meanwhile: it waits in the socket, unread,
   * when the timer runs.
   */
  @Test
  void aHelloThatCameInTimeIsReadWhenTheNodeWasTooBusyToReadItBeforeTheTimeout() throws Exception {
    try (WsClient ws = WsClient.to(node.port()).open()) {
      List<EventExecutor> loops = new ArrayList<>();
      ((VertxInternal) node.vertx()).nettyEventLoopGroup().forEach(loops::add);
      CountDownLatch busyAgain = new CountDownLatch(loops.size());
      for (EventExecutor loop : loops) {
        loop.execute(() -> {
          // falls due at once, so before the hello's timer: both run one after the other, no read between
          loop.schedule(() -> {
            busyAgain.countDown();
            busy(Duration.ofMillis(1000)); // the hello, sent now, arrives meanwhile
          }, 1, TimeUnit.MILLISECONDS);
          busy(Duration.ofMillis(900)); // past the 700 ms timeout
        });
      }
      assertTrue(busyAgain.await(10, TimeUnit.SECONDS));
      Frame welcome = ws.request(Frame.newBuilder().setHello(Hello.newBuilder().setToken(Tokens.of("busy", "customer"))));
      assertEquals("busy", welcome.getWelcome().getUserId(), welcome.toString());
    }
  }

  /** Keeps the calling event loop from its sockets for a while, as a loop with a long queue of work is. */
  private static void busy(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < until) {
      LockSupport.parkNanos(until - System.nanoTime());
    }
  }

  @Test
  void anExpiredTokenClosesWith4002() {
    Instant past = Instant.now().minusSeconds(3600);
    String token = Tokens.builder("e", List.of("customer"), List.of())
        .issuedAt(Date.from(past.minusSeconds(60))).expiration(Date.from(past)).compact();
    assertRefused(token, ErrorCode.TOKEN_EXPIRED, 4002);
  }

  @Test
  void aTokenNotYetValidIsRefused() {
    String token = Tokens.builder("n", List.of("customer"), List.of())
        .notBefore(Date.from(Instant.now().plusSeconds(600))).compact();
    assertRefused(token, ErrorCode.TOKEN_INVALID, 4001);
  }

  @Test
  void aTokenWithAWrongSignatureIsRefused() {
    String token = Tokens.builder("s", List.of("admin"), List.of())
        .signWith(Keys.hmacShaKeyFor("another-secret-another-secret-another-secret".getBytes(StandardCharsets.UTF_8)))
        .compact();
    assertRefused(token, ErrorCode.TOKEN_INVALID, 4001);
  }

  @Test
  void aTamperedPayloadIsRefused() {
    String[] parts = Tokens.of("t", "viewer").split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("viewer", "admin");
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    assertRefused(forged, ErrorCode.TOKEN_INVALID, 4001);
  }

  @Test
  void anUnsignedAlgNoneTokenIsRefused() {
    String header = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    String payload = b64("{\"sub\":\"mallory\",\"iss\":\"livedesk\",\"aud\":\"livedesk\",\"roles\":[\"admin\"],\"exp\":"
        + (Instant.now().getEpochSecond() + 600) + "}");
    assertRefused(header + "." + payload + ".", ErrorCode.TOKEN_INVALID, 4001);
  }

  @Test
  void anHs256TokenSignedWithThePublicKeyIsRefused() {
    // The HS/RS confusion attack: the attacker knows the public key and uses it as an HMAC secret.
    String token = rsaBuilder().signWith(Keys.hmacShaKeyFor(rsa.getPublic().getEncoded()), Jwts.SIG.HS256).compact();
    assertRefused(token, ErrorCode.TOKEN_INVALID, 4001);
  }

  @Test
  void aWrongIssuerIsRefused() {
    assertRefused(Tokens.builder("i", List.of("customer"), List.of()).issuer("someone-else").compact(), ErrorCode.TOKEN_INVALID, 4001);
  }

  @Test
  void aWrongAudienceIsRefused() {
    String token = Tokens.builder("a", List.of("customer"), List.of()).audience().single("another-app").compact();
    assertRefused(token, ErrorCode.TOKEN_INVALID, 4001);
  }

  @Test
  void aTokenWithoutSubjectIsRefused() {
    assertRefused(Tokens.builder(null, List.of("customer"), List.of()).compact(), ErrorCode.TOKEN_INVALID, 4001);
  }

  @Test
  void aTokenWithoutAnyKnownRoleIsRefused() {
    assertRefused(Tokens.builder("r", List.of("superuser"), List.of()).compact(), ErrorCode.TOKEN_INVALID, 4001);
  }

  @Test
  void aRefreshedTokenMustNameTheSameUser() {
    try (WsClient ws = WsClient.connect(node.port(), Tokens.of("carol", "customer"))) {
      Frame refused = ws.request(Frame.newBuilder().setRefreshToken(
          io.livedesk.protocol.RefreshToken.newBuilder().setToken(Tokens.of("dave", "admin"))));
      assertEquals(ErrorCode.TOKEN_INVALID, refused.getError().getCode());
      Frame ok = ws.request(Frame.newBuilder().setRefreshToken(
          io.livedesk.protocol.RefreshToken.newBuilder().setToken(Tokens.of("carol", "customer"))));
      assertTrue(ok.getTokenRefreshed().getExpiresAt() > System.currentTimeMillis());
    }
  }

  @Test
  void aRefreshedTokenWithOtherRolesIsRefusedAndTheConnectionKeepsItsOwn() {
    try (WsClient ws = WsClient.connect(node.port(), Tokens.of("erin", "agent"))) {
      Frame demoted = ws.request(Frame.newBuilder().setRefreshToken(
          io.livedesk.protocol.RefreshToken.newBuilder().setToken(Tokens.of("erin", "viewer"))));
      assertEquals(ErrorCode.TOKEN_INVALID, demoted.getError().getCode());
      Frame promoted = ws.request(Frame.newBuilder().setRefreshToken(
          io.livedesk.protocol.RefreshToken.newBuilder().setToken(Tokens.of("erin", "agent", "admin"))));
      assertEquals(ErrorCode.TOKEN_INVALID, promoted.getError().getCode());
      Frame same = ws.request(Frame.newBuilder().setRefreshToken(
          io.livedesk.protocol.RefreshToken.newBuilder().setToken(Tokens.of("erin", "agent"))));
      assertTrue(same.hasTokenRefreshed(), same.toString());
    }
  }

  private static void assertRefused(String token, ErrorCode code, int closeCode) {
    try (WsClient ws = WsClient.to(node.port()).bearer(token).open()) {
      Frame error = ws.await(Frame::hasError);
      assertEquals(code, error.getError().getCode(), error.getError().getMessage());
      assertEquals(closeCode, ws.awaitClose());
    }
  }

  private static io.jsonwebtoken.JwtBuilder rsaBuilder() {
    Instant now = Instant.now();
    return Jwts.builder().subject("rsa-user").issuer("livedesk").audience().add("livedesk").and()
        .expiration(Date.from(now.plusSeconds(600))).claim("roles", List.of("agent"));
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
