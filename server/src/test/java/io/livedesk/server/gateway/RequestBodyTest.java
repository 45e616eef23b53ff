package io.livedesk.server.gateway;

import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bodies are read only for callers with the role, and nothing a caller sends is left on disk. */
class RequestBodyTest {

  /** Where Vert.x's body handler stores uploads unless told otherwise (relative to the working directory). */
  private static final Path UPLOADS = Path.of("file-uploads");
  private static final TestNodes nodes = new TestNodes();
  private static final Vertx vertx = Vertx.vertx();
  private static final HttpClient client = vertx.createHttpClient();
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start();
  }

  @AfterAll
  static void stop() {
    nodes.close();
    vertx.close();
  }

  @Test
  void aViewersOversizedBodyToAnAdminApiIsRefusedForItsRoleNotReadForItsSize() throws Exception {
    Buffer huge = Buffer.buffer(new byte[2 * 1024 * 1024]);
    assertEquals(403, post("/api/admin/rules", HttpMethod.PUT, Tokens.of("v", "viewer"), "application/json", huge));
    assertEquals(403, post("/api/admin/campaigns", HttpMethod.POST, Tokens.of("v", "viewer"), "application/json", huge));
    assertEquals(401, post("/api/classify", HttpMethod.POST, null, "application/json", huge));
  }

  @Test
  void aMultipartUploadLeavesNoFileOnDiskWhoeverSendsIt() throws Exception {
    long before = uploads();
    String boundary = "b0undary";
    Buffer body = Buffer.buffer("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.bin\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n" + "A".repeat(10_000) + "\r\n--" + boundary + "--\r\n");
    String type = "multipart/form-data; boundary=" + boundary;
    post("/api/admin/campaigns", HttpMethod.POST, Tokens.of("root", "admin"), type, body);
    post("/api/admin/templates", HttpMethod.POST, Tokens.of("boss", "supervisor"), type, body);
    post("/api/classify", HttpMethod.POST, Tokens.of("boss", "supervisor"), type, body);
    assertEquals(before, uploads(), "files left in " + UPLOADS.toAbsolutePath());
  }

  private static long uploads() throws IOException {
    if (!Files.isDirectory(UPLOADS)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(UPLOADS)) {
      return files.count();
    }
  }

  private static int post(String path, HttpMethod method, String token, String type, Buffer body) throws Exception {
    return client.request(method, node.port(), "127.0.0.1", path).compose(req -> {
      if (token != null) {
        req.putHeader("Authorization", "Bearer " + token);
      }
      return req.putHeader("Content-Type", type).send(body);
    }).map(HttpClientResponse::statusCode)
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
