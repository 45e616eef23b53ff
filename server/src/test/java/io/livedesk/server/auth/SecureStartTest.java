package io.livedesk.server.auth;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import io.livedesk.server.Node;
import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.testing.Http;
import io.livedesk.server.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Secure by default: no node outside dev mode accepts tokens anyone can forge. */
class SecureStartTest {

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
  }

  private static Map<String, Object> settings(Map<String, Object> overrides) {
    Map<String, Object> s = TestNodes.baseSettings();
    s.put("store.dataDir", TestNodes.tempDir());
    s.putAll(overrides);
    return s;
  }

  /** The node must refuse before anything listens; the refusal names the setting to change. */
  private static String refusal(Map<String, Object> overrides) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> Node.start(Config.of(settings(overrides))).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
    assertInstanceOf(ConfigException.class, e.getCause());
    return e.getCause().getMessage();
  }

  @Test
  void aNodeWithoutASecretOutsideDevModeRefusesToStart() {
    String message = refusal(Map.of("auth.jwtSecret", ""));
    assertTrue(message.contains("LIVEDESK_JWT_SECRET"), message);
  }

  @Test
  void aNodeGivenThePublicDevelopmentSecretOutsideDevModeRefusesToStart() {
    assertTrue(refusal(Map.of("auth.jwtSecret", AuthConfig.DEV_SECRET)).contains("LIVEDESK_JWT_SECRET"));
  }

  @Test
  void theKubernetesExampleSecretCannotStartANode() throws Exception {
    String example = Files.readString(Path.of("..", "cluster-config", "kubernetes", "secret.example.yaml"));
    Map<String, Object> doc = new org.yaml.snakeyaml.Yaml().load(example);
    @SuppressWarnings("unchecked")
    Object secret = ((Map<String, Object>) doc.get("stringData")).get("jwt-secret");
    assertTrue(refusal(Map.of("auth.jwtSecret", String.valueOf(secret))).contains("LIVEDESK_JWT_SECRET"));
    assertTrue(refusal(Map.of("auth.jwtSecret", "replace-with-at-least-32-random-bytes-of-secret")).contains("LIVEDESK_JWT_SECRET"));
  }

  @Test
  void devModeOnAnInterfaceOtherThanLoopbackRefusesToStart() {
    Map<String, Object> dev = new HashMap<>(Map.of("dev", true, "http.host", "0.0.0.0", "auth.jwtSecret", ""));
    assertTrue(refusal(dev).contains("LIVEDESK_HOST"));
  }

  @Test
  void withOnlyAPublicKeyAnAdminTokenSignedWithTheDevelopmentSecretIsRefused() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    Path pem = Files.createTempFile("jwt", ".pem");
    Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
    Node node = nodes.start(Map.of("auth.jwtSecret", "", "auth.jwtPublicKey", pem.toString()));
    String forged = Jwts.builder().subject("mallory").issuer("livedesk").audience().add("livedesk").and()
        .expiration(Date.from(Instant.now().plusSeconds(600))).claims(Map.of("roles", List.of("admin")))
        .signWith(Keys.hmacShaKeyFor(AuthConfig.DEV_SECRET.getBytes(StandardCharsets.UTF_8)), Jwts.SIG.HS256).compact();
    try (Http http = new Http(client)) {
      assertEquals(401, http.call(node, HttpMethod.GET, "/api/admin/audit", forged, null).status());
    }
  }
}
