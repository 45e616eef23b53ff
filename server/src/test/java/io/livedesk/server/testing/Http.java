package io.livedesk.server.testing;

import io.livedesk.server.Node;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;

import java.util.concurrent.TimeUnit;

/** A blocking HTTP client for tests: one call, its status and body. Requests run on one client context. */
public final class Http implements AutoCloseable {

  public record Response(int status, String body) {
  }

  private final Vertx vertx;
  private final HttpClient client;

  public Http(Vertx vertx) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient();
  }

  /** Calls the node with an optional bearer token and JSON body (null for none). */
  public Response call(Node node, HttpMethod method, String path, String token, String body) {
    Promise<Response> result = Promise.promise();
    vertx.runOnContext(v -> client.request(method, node.port(), "127.0.0.1", path)
        .compose(req -> {
          if (token != null) {
            req.putHeader("Authorization", "Bearer " + token);
          }
          Future<HttpClientResponse> sent = body == null ? req.send()
              : req.putHeader("Content-Type", "application/json").send(Buffer.buffer(body));
          return sent.compose(res -> res.body().map(b -> new Response(res.statusCode(), b.toString())));
        })
        .onComplete(result));
    try {
      return result.future().await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + " failed", e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
