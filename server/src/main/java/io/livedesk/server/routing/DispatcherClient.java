package io.livedesk.server.routing;

import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.FrameException;
import io.livedesk.server.cluster.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * Asks the cluster's active dispatcher, wherever it runs. While a dispatcher takes over there is
 * briefly none: requests then wait and retry for up to {@link #TAKEOVER_MS}.
 */
public final class DispatcherClient {

  /** Longer than a takeover may take (the node's death is noticed within 5 s). */
  static final long TAKEOVER_MS = 12_000;
  private static final long REQUEST_TIMEOUT_MS = 3_000;
  private static final long RETRY_MS = 200;

  private final Vertx vertx;

  public DispatcherClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A request that may be applied twice harmlessly: retried on timeouts too. */
  public Future<JsonObject> idempotent(String op, JsonObject body) {
    return call(op, body, true, System.currentTimeMillis() + TAKEOVER_MS);
  }

  /** A request retried only while no dispatcher is registered (so it was certainly not applied). */
  public Future<JsonObject> once(String op, JsonObject body) {
    return call(op, body, false, System.currentTimeMillis() + TAKEOVER_MS);
  }

  /** Fire and forget: heartbeats and the like, where the next one supersedes a lost one. */
  public void tell(String op, JsonObject body) {
    vertx.eventBus().send(Addresses.DISPATCHER, body.copy().put("op", op));
  }

  private Future<JsonObject> call(String op, JsonObject body, boolean retryTimeouts, long giveUpAt) {
    return vertx.eventBus().<JsonObject>request(Addresses.DISPATCHER, body.copy().put("op", op),
            new DeliveryOptions().setSendTimeout(REQUEST_TIMEOUT_MS))
        .map(reply -> reply.body())
        .recover(e -> {
          if (e instanceof ReplyException r) {
            boolean retry = r.failureType() == ReplyFailure.NO_HANDLERS
                || (retryTimeouts && r.failureType() == ReplyFailure.TIMEOUT);
            if (retry && System.currentTimeMillis() + RETRY_MS < giveUpAt) {
              return vertx.timer(RETRY_MS).compose(v -> call(op, body, retryTimeouts, giveUpAt));
            }
            if (r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
              ErrorCode code = ErrorCode.forNumber(r.failureCode());
              return Future.failedFuture(new FrameException(code == null ? ErrorCode.INTERNAL : code, r.getMessage()));
            }
          }
          return Future.failedFuture(new FrameException(ErrorCode.UNAVAILABLE,
              "the dispatcher did not answer; retry shortly"));
        });
  }
}
