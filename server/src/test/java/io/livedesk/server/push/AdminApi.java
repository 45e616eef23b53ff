package io.livedesk.server.push;

import io.livedesk.server.Node;
import io.livedesk.server.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;

/** The campaigns admin API as a test calls it. */
final class AdminApi {

  record Reply(int status, JsonObject body) {
  }

  private final HttpClient http;
  private final String token;

  AdminApi(Vertx vertx, String token) {
    this.http = vertx.createHttpClient();
    this.token = token;
  }

  static AdminApi admin(Vertx vertx) {
    return new AdminApi(vertx, Tokens.of("campaign-admin", "admin"));
  }

  Reply call(Node node, HttpMethod method, String path, JsonObject body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(node.port()).setURI(path);
    if (token != null) {
      options.putHeader("Authorization", "Bearer " + token);
    }
    try {
      return http.request(options)
          // body() nested in the send callback so no chunk of the response can pass before it
          .compose(req -> (body == null ? req.send() : req.putHeader("Content-Type", "application/json").send(body.toBuffer()))
              .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), b.length() == 0 ? new JsonObject() : b.toJsonObject()))))
          .await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  JsonObject create(Node node, JsonObject campaign) {
    Reply r = call(node, HttpMethod.POST, CampaignRoutes.PATH, campaign);
    if (r.status() != 201) {
      throw new AssertionError("campaign not created: " + r);
    }
    return r.body();
  }

  JsonObject show(Node node, String id) {
    return call(node, HttpMethod.GET, CampaignRoutes.PATH + "/" + id, null).body();
  }

  /** The results once {@code count} reaches at least {@code value}: counters are updated as nodes finish. */
  JsonObject resultsOnce(Node node, String id, String count, long value) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      JsonObject results = show(node, id).getJsonObject("results");
      if (results.getLong(count) >= value) {
        return results;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(count + " never reached " + value + ": " + results);
      }
      try {
        Thread.sleep(20); // polling a counter the nodes update on their own schedule
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
