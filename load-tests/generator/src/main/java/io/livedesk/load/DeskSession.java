package io.livedesk.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One authenticated Livedesk session (JSON encoding) for the conversation benchmarks: requests
 * answered by frame id, everything else handed to the push handler. Unlike {@link Conn} it
 * parses every frame, which the conversation flows need and the broadcast counting does not.
 * Frames may be sent from any thread; answers and pushes arrive on the socket's event loop.
 */
final class DeskSession implements WsClient.Listener {

  final String user;
  private final Map<String, Promise<JsonObject>> answers = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final Promise<DeskSession> welcomed = Promise.promise();
  /** Set once the socket is open, cleared when it closes. */
  private volatile WsClient.Link link;
  private volatile Consumer<JsonObject> pushes = f -> { };
  private volatile Runnable onClose = () -> { };

  private DeskSession(String user) {
    this.user = user;
  }

  /** Connects with the token in the upgrade header; completes once the server's welcome arrives. */
  static Future<DeskSession> open(WsClient client, URI url, Tokens tokens, String user, String role) {
    DeskSession s = new DeskSession(user);
    client.connect(url.getHost(), url.getPort(), null, new WsClient.Upgrade(url.getRawPath(), null,
        List.of("Authorization: Bearer " + tokens.mint(user, role, 24 * 3600))), s);
    return s.welcomed.future();
  }

  /**
   * Opens {@code n} sessions of users {@code prefix0..prefix(n-1)}, at most {@code concurrency}
   * handshakes in flight, and returns those that were welcomed (the failures are counted by the caller).
   */
  static List<DeskSession> openMany(WsClient client, URI url, Tokens tokens, String prefix, String role,
                                              int n, int concurrency) throws InterruptedException {
    Semaphore inFlight = new Semaphore(concurrency);
    Queue<DeskSession> open = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < n; i++) {
      inFlight.acquire();
      open(client, url, tokens, prefix + i, role).onComplete(ar -> {
        if (ar.succeeded()) {
          open.add(ar.result());
        }
        inFlight.release();
      });
    }
    inFlight.acquire(concurrency);
    return new ArrayList<>(open);
  }

  /** Frames that answer no request of ours: offers, messages, conversation changes, pushed errors. */
  DeskSession onPush(Consumer<JsonObject> handler) {
    this.pushes = handler;
    return this;
  }

  DeskSession onClose(Runnable handler) {
    this.onClose = handler;
    return this;
  }

  /** Sends {@code {"id":..,type:body}}; the future holds the answer, an {@code error} answer included. */
  Future<JsonObject> request(String type, JsonObject body) {
    String id = "f" + ids.incrementAndGet();
    Promise<JsonObject> answer = Promise.promise();
    answers.put(id, answer);
    WsClient.Link l = link;
    if (l == null) {
      answers.remove(id);
      return Future.failedFuture("session " + user + " is closed");
    }
    l.send(new JsonObject().put("id", id).put(type, body).encode());
    return answer.future();
  }

  void close() {
    WsClient.Link l = link;
    if (l != null) {
      l.close();
    }
  }

  @Override
  public void opened(WsClient.Link link) {
    this.link = link;
  }

  @Override
  public void closed(WsClient.Link link, int code, Throwable failure) {
    this.link = null;
    closed();
  }

  @Override
  public void text(WsClient.Link link, String text) {
    JsonObject f = new JsonObject(text);
    if (f.containsKey("welcome")) {
      welcomed.tryComplete(this);
      return;
    }
    Promise<JsonObject> answer = answers.remove(f.getString("replyTo", ""));
    if (answer != null) {
      answer.complete(f);
    } else {
      pushes.accept(f);
    }
  }

  private void closed() {
    welcomed.tryFail("closed before welcome");
    answers.values().forEach(a -> a.tryFail("closed"));
    answers.clear();
    onClose.run();
  }

  /** The error code of an answer, or null when it is not an error. */
  static String errorCode(JsonObject answer) {
    JsonObject e = answer.getJsonObject("error");
    return e == null ? null : e.getString("code", "UNKNOWN");
  }
}
