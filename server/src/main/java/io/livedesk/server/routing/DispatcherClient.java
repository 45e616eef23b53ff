package io.livedesk.server.routing;

import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.FrameException;
import io.livedesk.server.cluster.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Asks the cluster's active dispatcher, wherever it runs. While a dispatcher takes over there is
 * briefly none: requests then wait and retry for up to {@link #TAKEOVER_MS}. A request the
 * dispatcher may have applied is retried only when it is {@linkplain DispatchMessage.Request#idempotent
 * idempotent}.
 */
public final class DispatcherClient {

  /** Longer than a takeover may take (the node's death is noticed within 5 s). */
  static final long TAKEOVER_MS = 12_000;
  private static final long REQUEST_TIMEOUT_MS = 3_000;
  private static final long RETRY_MS = 200;

  private final Vertx vertx;

  public DispatcherClient(Vertx vertx) {
    this.vertx = vertx;
    DispatchCodec.register(vertx.eventBus());
  }

  /** Asks and answers the dispatcher's reply, or a {@link FrameException} the client should see. */
  public Future<DispatchMessage.Reply> ask(DispatchMessage.Request request) {
    return call(request, System.currentTimeMillis() + TAKEOVER_MS);
  }

  /** Fire and forget: heartbeats and the like, where the next one supersedes a lost one. */
  public void tell(DispatchMessage.Request request) {
    vertx.eventBus().send(Addresses.DISPATCHER, request, options());
  }

  static DeliveryOptions options() {
    return new DeliveryOptions().setCodecName(DispatchCodec.NAME);
  }

  private Future<DispatchMessage.Reply> call(DispatchMessage.Request request, long giveUpAt) {
    // A request that is not retried (an accept) waits as long as a takeover may take: answering
    // "unavailable" for one the dispatcher is still carrying out (its record write queued behind a
    // burst of durable writes) would tell an agent a conversation is not theirs when it is.
    long timeout = request.idempotent() ? REQUEST_TIMEOUT_MS : TAKEOVER_MS;
    return vertx.eventBus().<DispatchMessage>request(Addresses.DISPATCHER, request, options().setSendTimeout(timeout))
        .map(reply -> (DispatchMessage.Reply) reply.body())
        .recover(e -> {
          if (e instanceof ReplyException r) {
            boolean retry = r.failureType() == ReplyFailure.NO_HANDLERS
                || (request.idempotent() && r.failureType() == ReplyFailure.TIMEOUT);
            if (retry && System.currentTimeMillis() + RETRY_MS < giveUpAt) {
              return vertx.timer(RETRY_MS).compose(v -> call(request, giveUpAt));
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
