package io.livedesk.server.conversation;

import io.livedesk.protocol.Ack;
import io.livedesk.protocol.Ask;
import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ConversationCursor;
import io.livedesk.protocol.ConversationUpdate;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.HistoryPage;
import io.livedesk.protocol.Ok;
import io.livedesk.protocol.Read;
import io.livedesk.protocol.Resumed;
import io.livedesk.protocol.Typing;
import io.livedesk.server.auth.Principal;
import io.livedesk.server.auth.Role;
import io.livedesk.server.gateway.Delivery;
import io.livedesk.server.gateway.FrameRouter;
import io.livedesk.server.gateway.Session;
import io.livedesk.server.gateway.SessionEvents;
import io.livedesk.server.routing.DispatchMessage;
import io.livedesk.server.routing.DispatcherClient;
import io.livedesk.server.privacy.Audit;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.bson.Document;

import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** The conversation, agent and supervision frames, each checked and handed to the {@link Lifecycle} or the dispatcher. */
public final class ConversationFrames {

  private static final Set<Role> ASKERS = Set.of(Role.CUSTOMER, Role.VIEWER);
  private static final Set<Role> CHATTERS = Set.of(Role.CUSTOMER, Role.VIEWER, Role.AGENT);
  private static final Set<Role> AGENTS = Set.of(Role.AGENT);
  private static final Set<Role> SUPERVISORS = Set.of(Role.SUPERVISOR, Role.ADMIN);
  private static final int MAX_CURSORS = 100;

  /** The audit action of a transcript read over the WebSocket by someone outside the conversation. */
  public static final String READ = "transcripts.read";

  private final Lifecycle lifecycle;
  private final Conversations conversations;
  private final DispatcherClient dispatcher;
  private final Delivery delivery;
  private final ConversationConfig config;
  private final Function<String, Future<String>> pinnedProduct;
  private final Audit audit;

  /** {@code pinnedProduct}: the product pinned in a room now, empty when none. */
  public ConversationFrames(Lifecycle lifecycle, Conversations conversations, DispatcherClient dispatcher, Delivery delivery,
                            ConversationConfig config, SessionEvents events, Function<String, Future<String>> pinnedProduct,
                            Audit audit) {
    this.pinnedProduct = pinnedProduct;
    this.audit = audit;
    this.lifecycle = lifecycle;
    this.conversations = conversations;
    this.dispatcher = dispatcher;
    this.delivery = delivery;
    this.config = config;
    // A viewer who asked was made reachable; let go of them with their last session here.
    events.onClosed(s -> {
      if (s.principal() != null && !s.principal().reachable()) {
        delivery.detach(s.userId());
      }
    });
  }

  public void register(FrameRouter frames) {
    frames.register(Frame.BodyCase.ASK, ASKERS, this::ask)
        .register(Frame.BodyCase.SEND, CHATTERS, this::send)
        .register(Frame.BodyCase.TYPING, CHATTERS, this::typing)
        .register(Frame.BodyCase.READ, CHATTERS, this::read)
        .register(Frame.BodyCase.CLOSE, FrameRouter.ANY_ROLE, this::close)
        .register(Frame.BodyCase.RATE, ASKERS, this::rate)
        .register(Frame.BodyCase.TRANSFER, AGENTS, this::transfer)
        .register(Frame.BodyCase.HISTORY, FrameRouter.ANY_ROLE, this::history)
        .register(Frame.BodyCase.RESUME, FrameRouter.ANY_ROLE, this::resume)
        .register(Frame.BodyCase.ACCEPT, AGENTS, this::accept)
        .register(Frame.BodyCase.DECLINE, AGENTS, this::decline)
        .register(Frame.BodyCase.SUPERVISOR_WATCH, SUPERVISORS, this::watch)
        .register(Frame.BodyCase.ASSIGN, SUPERVISORS, this::assign);
  }

  private Future<Frame.Builder> ask(Session session, Frame frame) {
    return reachable(session)
        .compose(v -> withRoomProduct(frame.getAsk()))
        .compose(ask -> lifecycle.ask(session.principal(), ask))
        .map(asked -> {
          // The question itself is acknowledged like any sent message, so a resent ask is safe.
          var m = asked.first();
          session.send(Frame.newBuilder().setAck(Ack.newBuilder().setConversationId(m.getConversationId())
              .setClientMsgId(m.getClientMsgId()).setSeq(m.getSeq()).setAt(m.getAt())).build());
          return updateReply(asked.conversation());
        });
  }

  /** A question asked from a room without a product is about the product pinned there, if any. */
  private Future<Ask> withRoomProduct(Ask ask) {
    if (ask.getRoomId().isEmpty() || !ask.getProductId().isEmpty()) {
      return Future.succeededFuture(ask);
    }
    return pinnedProduct.apply(ask.getRoomId())
        .map(product -> product.isEmpty() ? ask : ask.toBuilder().setProductId(product).build());
  }

  private Future<Frame.Builder> send(Session session, Frame frame) {
    var send = frame.getSend();
    return reachable(session).compose(v -> lifecycle.send(session.principal(), send.getConversationId(), send.getClientMsgId(), send.getText()))
        .map(stored -> Frame.newBuilder().setAck(Ack.newBuilder().setConversationId(send.getConversationId())
            .setClientMsgId(send.getClientMsgId()).setSeq(stored.message().getSeq()).setAt(stored.message().getAt())));
  }

  /** Typing and read receipts go to the other participants as they are; nothing is stored. */
  private Future<Frame.Builder> typing(Session session, Frame frame) {
    Typing t = frame.getTyping();
    return relay(session, t.getConversationId(), Frame.newBuilder()
        .setTyping(t.toBuilder().setUserId(session.userId())).build());
  }

  private Future<Frame.Builder> read(Session session, Frame frame) {
    Read r = frame.getRead();
    return relay(session, r.getConversationId(), Frame.newBuilder().setRead(r.toBuilder().setUserId(session.userId())).build());
  }

  private Future<Frame.Builder> relay(Session session, String conversationId, Frame frame) {
    return lifecycle.participant(session.principal(), conversationId, false).map(doc -> {
      String customer = doc.getString("customerId");
      String agent = doc.getString("agentId");
      String other = session.userId().equals(customer) ? agent : customer;
      if (other != null) {
        delivery.toUser(other, frame);
      }
      return null;
    });
  }

  private Future<Frame.Builder> close(Session session, Frame frame) {
    return lifecycle.close(session.principal(), frame.getClose()).map(ConversationFrames::updateReply);
  }

  private Future<Frame.Builder> rate(Session session, Frame frame) {
    return lifecycle.rate(session.principal(), frame.getRate()).map(v -> ok());
  }

  private Future<Frame.Builder> transfer(Session session, Frame frame) {
    var t = frame.getTransfer();
    return lifecycle.transfer(session.principal(), t.getConversationId(), t.getToAgentId()).map(v -> ok());
  }

  /** Pages backwards for consoles: participants, and supervisors. */
  private Future<Frame.Builder> history(Session session, Frame frame) {
    var h = frame.getHistory();
    int limit = h.getLimit() == 0 ? 50 : Math.min(h.getLimit(), config.historyPageMax());
    return lifecycle.participant(session.principal(), h.getConversationId(), true)
        .compose(doc -> audited(session, doc, "history"))
        .compose(doc -> conversations.before(h.getConversationId(), h.getBeforeSeq(), limit))
        .map(messages -> {
          boolean more = messages.size() > limit;
          List<io.livedesk.protocol.ConversationMessage> page = more ? messages.subList(1, messages.size()) : messages;
          return Frame.newBuilder().setHistoryPage(HistoryPage.newBuilder().setConversationId(h.getConversationId())
              .addAllMessages(page).setMore(more));
        });
  }

  /** Sends exactly the messages after each cursor, in order, then Resumed with where each now stands. */
  private Future<Frame.Builder> resume(Session session, Frame frame) {
    List<ConversationCursor> cursors = frame.getResume().getCursorsList();
    if (cursors.size() > MAX_CURSORS) {
      return Lifecycle.fail(ErrorCode.INVALID_ARGUMENT, "at most " + MAX_CURSORS + " cursors");
    }
    Principal who = session.principal();
    Resumed.Builder resumed = Resumed.newBuilder();
    Future<Void> chain = reachable(session);
    for (ConversationCursor cursor : cursors) {
      chain = chain.compose(v -> lifecycle.participant(who, cursor.getConversationId(), true)
          .compose(doc -> audited(session, doc, "resume"))
          .compose(doc -> conversations.after(cursor.getConversationId(), cursor.getLastSeq()))
          .map(missed -> {
            missed.forEach(m -> session.send(Conversations.messageFrame(m)));
            int last = missed.isEmpty() ? cursor.getLastSeq() : missed.get(missed.size() - 1).getSeq();
            resumed.addCursors(ConversationCursor.newBuilder().setConversationId(cursor.getConversationId()).setLastSeq(last));
            return null;
          }));
    }
    return chain.map(v -> Frame.newBuilder().setResumed(resumed));
  }

  /**
   * A supervisor or admin reading a conversation they take no part in reads a customer's
   * transcript: that leaves an audit record, as an export through the admin API does, before
   * any message is sent.
   */
  private Future<Document> audited(Session session, Document doc, String how) {
    String customer = doc.getString("customerId");
    if (session.userId().equals(customer) || session.userId().equals(doc.getString("agentId"))) {
      return Future.succeededFuture(doc);
    }
    return audit.record(session.userId(), READ, customer, new JsonObject()
        .put("conversationId", doc.getString("_id")).put("via", "websocket " + how)).map(doc);
  }

  private Future<Frame.Builder> accept(Session session, Frame frame) {
    var a = frame.getAccept();
    return dispatcher.ask(new DispatchMessage.Accept(session.userId(), a.getOfferId(), a.getConversationId()))
        .map(reply -> Frame.newBuilder().setConversation(ConversationUpdate.newBuilder()
            .setConversation(((DispatchMessage.Assigned) reply).conversation())));
  }

  private Future<Frame.Builder> decline(Session session, Frame frame) {
    return dispatcher.ask(new DispatchMessage.Decline(session.userId(), frame.getDecline().getOfferId())).map(v -> ok());
  }

  private Future<Frame.Builder> watch(Session session, Frame frame) {
    return dispatcher.ask(new DispatchMessage.Watch(session.userId(), frame.getSupervisorWatch().getOn())).map(v -> ok());
  }

  private Future<Frame.Builder> assign(Session session, Frame frame) {
    var a = frame.getAssign();
    if (a.getConversationId().isEmpty() || a.getAgentId().isEmpty()) {
      return Lifecycle.fail(ErrorCode.INVALID_ARGUMENT, "conversation_id and agent_id are required");
    }
    return dispatcher.ask(new DispatchMessage.Assign(a.getConversationId(), a.getAgentId())).map(v -> ok());
  }

  /**
   * Makes a viewer who takes part in a conversation reachable on this node (customers already
   * are), before anything is delivered to them.
   */
  private Future<Void> reachable(Session session) {
    return session.principal().reachable() ? Future.succeededFuture() : delivery.attach(session.userId());
  }

  private static Frame.Builder updateReply(Document doc) {
    return Frame.newBuilder().setConversation(ConversationUpdate.newBuilder().setConversation(Conversations.toProto(doc)));
  }

  private static Frame.Builder ok() {
    return Frame.newBuilder().setOk(Ok.getDefaultInstance());
  }
}
