package io.livedesk.server.conversation;

import io.livedesk.server.testing.Desk;

import io.livedesk.protocol.CloseConversation;
import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ConversationMessage;
import io.livedesk.protocol.ConversationState;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.HistoryRequest;
import io.livedesk.protocol.Offer;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.protocol.Rate;
import io.livedesk.protocol.SenderRole;
import io.livedesk.protocol.SlaOutcome;
import io.livedesk.protocol.Typing;
import io.livedesk.server.Node;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One node: a question goes through the queue to an agent, is answered, closed and rated. */
class ConversationLifecycleTest {

  private static final TestNodes nodes = new TestNodes();
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("routing.offerTimeoutMs", 10000, "routing.tiers", "urgent=20,normal=30,low=60"));
  }

  @AfterAll
  static void stop() {
    nodes.close();
  }

  @Test
  void aQuestionReachesAnAgentWhoAnswersClosesAndIsRated() {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("cust-flow", "customer"));
         WsClient agent = WsClient.connect(node.port(), Tokens.of("agent-flow", "agent"))) {
      Conversation asked = Desk.ask(customer, "human please: what size should I take?");
      assertEquals(ConversationState.WAITING, asked.getState());
      assertEquals(SlaOutcome.PENDING, asked.getSla());
      assertTrue(asked.getDeadlineAt() > asked.getCreatedAt());

      Desk.online(agent, 2);
      Offer offer = Desk.offer(agent);
      assertEquals(asked.getId(), offer.getConversation().getId());
      Conversation taken = Desk.accept(agent, offer);
      assertEquals(ConversationState.ACTIVE, taken.getState());
      assertEquals("agent-flow", taken.getAgentId());
      assertEquals(SlaOutcome.MET, taken.getSla());
      Desk.update(customer, asked.getId(), ConversationState.ACTIVE);

      Frame ack = Desk.send(agent, asked.getId(), "a-1", "an M fits most");
      assertTrue(ack.hasAck(), ack::toString);
      ConversationMessage got = customer.await(f -> f.hasMessage() && f.getMessage().getText().equals("an M fits most")).getMessage();
      assertEquals(SenderRole.AGENT, got.getSenderRole());
      assertEquals(ack.getAck().getSeq(), got.getSeq());

      Frame closed = agent.request(Frame.newBuilder().setClose(CloseConversation.newBuilder()
          .setConversationId(asked.getId()).setResolved(true)));
      assertEquals(ConversationState.RESOLVED, closed.getConversation().getConversation().getState());
      Desk.update(customer, asked.getId(), ConversationState.RESOLVED);

      Frame rated = customer.request(Frame.newBuilder().setRate(Rate.newBuilder().setConversationId(asked.getId()).setStars(5)));
      assertTrue(rated.hasOk(), rated::toString);
      Frame again = customer.request(Frame.newBuilder().setRate(Rate.newBuilder().setConversationId(asked.getId()).setStars(1)));
      assertEquals(ErrorCode.CONFLICT, again.getError().getCode());
      Desk.status(agent, PresenceStatus.OFFLINE, 0);
    }
  }

  @Test
  void theCustomersFirstUnansweredMessageStartsTheAgentsResponseDeadlineAndTheReplyEndsIt() throws Exception {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("cust-due", "customer"));
         WsClient agent = WsClient.connect(node.port(), Tokens.of("agent-due", "agent"))) {
      Conversation asked = Desk.ask(customer, "human please: does this jacket run small?");
      Desk.online(agent, 1);
      Desk.accept(agent, Desk.offer(agent));
      Desk.update(customer, asked.getId(), ConversationState.ACTIVE);

      long before = System.currentTimeMillis();
      int first = Desk.send(customer, asked.getId(), "due-1", "hello?").getAck().getSeq();
      org.bson.Document doc = storedOnce(asked.getId(), d -> d.getInteger("lastSeq") >= first);
      long budget = doc.getLong("budgetMs");
      long due = doc.getLong("responseDueAt");
      assertTrue(due >= before + budget && due <= System.currentTimeMillis() + budget, "due " + due + " budget " + budget);

      // A second message while the first is unanswered does not push the deadline later.
      int second = Desk.send(customer, asked.getId(), "due-2", "are you there?").getAck().getSeq();
      assertEquals(due, storedOnce(asked.getId(), d -> d.getInteger("lastSeq") >= second).getLong("responseDueAt"));

      // The reply ends the deadline and is the first human response; a later reply does not move that.
      long replied = System.currentTimeMillis();
      double firstResponses = firstResponsesCounted();
      assertTrue(Desk.send(agent, asked.getId(), "due-3", "yes, take one size up").hasAck());
      long firstHuman = storedOnce(asked.getId(), d -> !d.containsKey("responseDueAt") && d.containsKey("firstHumanResponseAt"))
          .getLong("firstHumanResponseAt");
      assertTrue(firstHuman >= replied && firstHuman <= System.currentTimeMillis(), "first human response at " + firstHuman);
      int fourth = Desk.send(agent, asked.getId(), "due-4", "anything else?").getAck().getSeq();
      assertEquals(firstHuman, storedOnce(asked.getId(), d -> d.getInteger("lastSeq") >= fourth).getLong("firstHumanResponseAt"));
      assertEquals(firstResponses + 1, firstResponsesCounted(), "the time to the first human response is counted once");
      customer.request(Frame.newBuilder().setClose(CloseConversation.newBuilder().setConversationId(asked.getId())));
      Desk.status(agent, PresenceStatus.OFFLINE, 0);
    }
  }

  /** Observations of the time to a first human response, over every tier. */
  private static double firstResponsesCounted() {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^livedesk_first_response_seconds_count\\{[^}]*} (\\S+)$")
        .matcher(node.metrics().scrape());
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  /** The stored conversation once it matches: what follows a message is written after its ack. */
  private static org.bson.Document storedOnce(String id, java.util.function.Predicate<org.bson.Document> match) throws Exception {
    long until = System.nanoTime() + WsClient.TIMEOUT.toNanos();
    org.bson.Document doc;
    do {
      doc = node.store().first(node.store().collection(Conversations.CONVERSATIONS).find(new org.bson.Document("_id", id)))
          .await(10, java.util.concurrent.TimeUnit.SECONDS);
    } while (!match.test(doc) && System.nanoTime() < until && pause());
    assertTrue(match.test(doc), "stored conversation never matched: " + doc);
    return doc;
  }

  private static boolean pause() throws InterruptedException {
    Thread.sleep(20); // polling the store for a write that follows the ack
    return true;
  }

  @Test
  void aSequenceNumberAlreadyTakenIsSkippedAndTheMessageStillStored() throws Exception {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("cust-seq", "customer"))) {
      Conversation asked = Desk.ask(customer, "is shipping free?");
      long taken = Desk.send(customer, asked.getId(), "seq-1", "hello?").getAck().getSeq() + 1;
      // What a store that answered two increments alike leaves behind: the next seq already used.
      node.store().first(node.store().collection(Conversations.MESSAGES).insertOne(new org.bson.Document("_id", "squatter")
          .append("conversationId", asked.getId()).append("seq", taken).append("clientMsgId", "other")))
          .await(10, java.util.concurrent.TimeUnit.SECONDS);
      Frame ack = Desk.send(customer, asked.getId(), "seq-2", "anyone there?");
      assertTrue(ack.hasAck(), ack::toString);
      assertEquals(taken + 1, ack.getAck().getSeq());
      customer.request(Frame.newBuilder().setClose(CloseConversation.newBuilder().setConversationId(asked.getId())));
    }
  }

  @Test
  void aMessageStoredWhileLastSeqFellBehindIsNumberedNextWithoutAHole() throws Exception {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("cust-behind", "customer"))) {
      Conversation asked = Desk.ask(customer, "is shipping free?");
      Desk.send(customer, asked.getId(), "behind-1", "hello?");
      int last = Desk.send(customer, asked.getId(), "behind-2", "still there?").getAck().getSeq();
      // What a store failing right after a message's insert leaves behind: lastSeq not raised to it.
      node.store().first(node.store().collection(Conversations.CONVERSATIONS).updateOne(
              new org.bson.Document("_id", asked.getId()), new org.bson.Document("$set", new org.bson.Document("lastSeq", last - 2))))
          .await(10, java.util.concurrent.TimeUnit.SECONDS);
      Frame ack = Desk.send(customer, asked.getId(), "behind-3", "anyone?");
      assertEquals(last + 1, ack.getAck().getSeq(), ack::toString);
      customer.request(Frame.newBuilder().setClose(CloseConversation.newBuilder().setConversationId(asked.getId())));
    }
  }

  @Test
  void theSameClientMessageIdTwiceIsStoredOnceAndAckedTwiceWithTheSameSeq() {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("cust-dup", "customer"))) {
      Conversation asked = Desk.ask(customer, "is shipping free?");
      Frame first = Desk.send(customer, asked.getId(), "dup-1", "hello?");
      Frame second = Desk.send(customer, asked.getId(), "dup-1", "hello?");
      assertTrue(first.hasAck() && second.hasAck(), () -> first + " / " + second);
      assertEquals(first.getAck().getSeq(), second.getAck().getSeq());
      Frame history = customer.request(Frame.newBuilder().setHistory(HistoryRequest.newBuilder().setConversationId(asked.getId())));
      assertEquals(1, history.getHistoryPage().getMessagesList().stream().filter(m -> m.getClientMsgId().equals("dup-1")).count());
      customer.request(Frame.newBuilder().setClose(CloseConversation.newBuilder().setConversationId(asked.getId())));
    }
  }

  @Test
  void twoParticipantsReusingOneClientMessageIdBothGetTheirOwnMessageStored() {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("cust-reuse", "customer"));
         WsClient agent = WsClient.connect(node.port(), Tokens.of("agent-reuse", "agent"))) {
      Conversation asked = Desk.ask(customer, "human please: my coupon does not apply");
      Desk.online(agent, 1);
      Desk.accept(agent, Desk.offer(agent));
      Frame agents = Desk.send(agent, asked.getId(), "m-1", "let me check the coupon");
      Frame customers = Desk.send(customer, asked.getId(), "m-1", "it is code SPRING");
      assertTrue(agents.hasAck() && customers.hasAck(), () -> agents + " / " + customers);
      assertNotEquals(agents.getAck().getSeq(), customers.getAck().getSeq());
      // each resend is still answered with its own sender's seq
      assertEquals(customers.getAck().getSeq(), Desk.send(customer, asked.getId(), "m-1", "it is code SPRING").getAck().getSeq());
      assertEquals(agents.getAck().getSeq(), Desk.send(agent, asked.getId(), "m-1", "let me check the coupon").getAck().getSeq());
      Frame history = customer.request(Frame.newBuilder().setHistory(HistoryRequest.newBuilder().setConversationId(asked.getId())));
      assertEquals(List.of("let me check the coupon", "it is code SPRING"), history.getHistoryPage().getMessagesList().stream()
          .filter(m -> m.getClientMsgId().equals("m-1")).map(ConversationMessage::getText).toList());
      customer.request(Frame.newBuilder().setClose(CloseConversation.newBuilder().setConversationId(asked.getId())));
      Desk.status(agent, PresenceStatus.OFFLINE, 0);
    }
  }

  @Test
  void aCustomerHoldsAtMostThreeOpenConversationsAndIsToldWhichToContinue() {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("cust-flood", "customer"))) {
      List<String> open = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Frame r = customer.requestKeepingOthers(Frame.newBuilder().setAsk(io.livedesk.protocol.Ask.newBuilder()
            .setText("human please: order " + i + " has not arrived").setClientMsgId("flood-" + i)));
        assertTrue(r.hasConversation(), r::toString);
        open.add(r.getConversation().getConversation().getId());
      }
      for (int i = 3; i < 25; i++) {
        Frame refused = customer.requestKeepingOthers(Frame.newBuilder().setAsk(io.livedesk.protocol.Ask.newBuilder()
            .setText("human please: order " + i + " has not arrived").setClientMsgId("flood-" + i)));
        assertEquals(ErrorCode.CONFLICT, refused.getError().getCode(), refused::toString);
        assertTrue(refused.getError().getMessage().contains(open.get(2)), refused.getError().getMessage());
      }
      // a resent ask is still its own conversation, not a new one
      Frame resent = customer.requestKeepingOthers(Frame.newBuilder().setAsk(io.livedesk.protocol.Ask.newBuilder()
          .setText("human please: order 0 has not arrived").setClientMsgId("flood-0")));
      assertEquals(open.get(0), resent.getConversation().getConversation().getId());
      Desk.close(customer, open.get(1));
      Frame after = customer.requestKeepingOthers(Frame.newBuilder().setAsk(io.livedesk.protocol.Ask.newBuilder()
          .setText("human please: one more order").setClientMsgId("flood-after")));
      assertTrue(after.hasConversation(), after::toString);
      for (String id : List.of(open.get(0), open.get(2), after.getConversation().getConversation().getId())) {
        Desk.close(customer, id);
      }
    }
  }

  /** A burst in one conversation (an app flushing its outbox after a reconnect): every message stored, in order, no refusal. */
  @Test
  void aBurstOfMessagesSentAtOnceInOneConversationAreAllAcknowledgedWithConsecutiveSeqs() throws Exception {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("cust-burst", "customer"))) {
      Conversation asked = Desk.ask(customer, "is shipping free?");
      List<String> ids = new java.util.ArrayList<>();
      // as many as the connection's burst allows (gateway.frameBurst), all in flight together
      for (int i = 0; i < 30; i++) {
        ids.add(customer.send(Frame.newBuilder().setSend(io.livedesk.protocol.Send.newBuilder()
            .setConversationId(asked.getId()).setClientMsgId("burst-" + i).setText("item " + i))));
      }
      java.util.Set<Integer> seqs = new java.util.TreeSet<>();
      java.util.Set<String> waiting = new java.util.HashSet<>(ids);
      while (!waiting.isEmpty()) {
        Frame reply = customer.await(f -> waiting.contains(f.getReplyTo()));
        waiting.remove(reply.getReplyTo());
        assertTrue(reply.hasAck(), reply::toString);
        seqs.add(reply.getAck().getSeq());
      }
      assertEquals(30, seqs.size(), "each message its own seq");
      int first = seqs.iterator().next();
      int last = ((java.util.TreeSet<Integer>) seqs).last();
      assertEquals(first + 29, last, "no hole: " + seqs);
      // the raises travel after the acks, in bulk writes and in order: lastSeq ends at the last one
      assertEquals(last, storedOnce(asked.getId(), d -> d.getInteger("lastSeq", 0) >= last).getInteger("lastSeq"));
      Frame next = Desk.send(customer, asked.getId(), "burst-after", "one more");
      assertEquals(last + 1, next.getAck().getSeq(), next::toString);
      customer.request(Frame.newBuilder().setClose(CloseConversation.newBuilder().setConversationId(asked.getId())));
    }
  }

  @Test
  void aRatingIsOneToFiveStarsAndOnlyOnceClosed() {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("cust-rate", "customer"))) {
      Conversation asked = Desk.ask(customer, "where is my parcel");
      Frame early = customer.request(Frame.newBuilder().setRate(Rate.newBuilder().setConversationId(asked.getId()).setStars(4)));
      assertEquals(ErrorCode.CONFLICT, early.getError().getCode());
      customer.request(Frame.newBuilder().setClose(CloseConversation.newBuilder().setConversationId(asked.getId())));
      Frame six = customer.request(Frame.newBuilder().setRate(Rate.newBuilder().setConversationId(asked.getId()).setStars(6)));
      assertEquals(ErrorCode.INVALID_ARGUMENT, six.getError().getCode());
    }
  }

  @Test
  void someoneElsesConversationIsNotFound() {
    try (WsClient owner = WsClient.connect(node.port(), Tokens.of("cust-own", "customer"));
         WsClient other = WsClient.connect(node.port(), Tokens.of("cust-other", "customer"))) {
      Conversation asked = Desk.ask(owner, "is this in stock in red");
      Frame send = Desk.send(other, asked.getId(), "x-1", "let me in");
      assertEquals(ErrorCode.NOT_FOUND, send.getError().getCode());
      Frame history = other.request(Frame.newBuilder().setHistory(HistoryRequest.newBuilder().setConversationId(asked.getId())));
      assertEquals(ErrorCode.NOT_FOUND, history.getError().getCode());
      other.send(Frame.newBuilder().setTyping(Typing.newBuilder().setConversationId(asked.getId()).setTyping(true)));
      owner.request(Frame.newBuilder().setClose(CloseConversation.newBuilder().setConversationId(asked.getId())));
      assertFalse(owner.drain().stream().anyMatch(Frame::hasTyping));
    }
  }

  @Test
  void aViewerCanAskAndHearsTheAnswer() {
    try (WsClient viewer = WsClient.connect(node.port(), Tokens.of("viewer-ask", "viewer"))) {
      Conversation asked = Desk.ask(viewer, "do you ship abroad");
      Frame ack = Desk.send(viewer, asked.getId(), "v-1", "to France");
      assertTrue(ack.hasAck(), ack::toString);
      viewer.await(f -> f.hasMessage() && f.getMessage().getClientMsgId().equals("v-1"));
      viewer.request(Frame.newBuilder().setClose(CloseConversation.newBuilder().setConversationId(asked.getId())));
    }
  }

  @Test
  void badQuestionsGetClearErrors() {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("cust-bad", "customer"));
         WsClient agent = WsClient.connect(node.port(), Tokens.of("agent-bad", "agent"))) {
      Frame empty = customer.request(Frame.newBuilder().setAsk(io.livedesk.protocol.Ask.newBuilder().setText("   ")));
      assertEquals(ErrorCode.INVALID_ARGUMENT, empty.getError().getCode());
      Frame tooLong = customer.request(Frame.newBuilder().setAsk(io.livedesk.protocol.Ask.newBuilder().setText("x".repeat(2001))));
      assertEquals(ErrorCode.TOO_LONG, tooLong.getError().getCode());
      Frame noId = Desk.send(customer, "no-such-conversation", "", "hi");
      assertEquals(ErrorCode.INVALID_ARGUMENT, noId.getError().getCode());
      Frame unknown = Desk.send(customer, "no-such-conversation", "u-1", "hi");
      assertEquals(ErrorCode.NOT_FOUND, unknown.getError().getCode());
      Frame agentAsks = agent.request(Frame.newBuilder().setAsk(io.livedesk.protocol.Ask.newBuilder().setText("hello")));
      assertEquals(ErrorCode.FORBIDDEN, agentAsks.getError().getCode());
    }
  }

  @Test
  void cursorsInHelloResumeLikeAResumeFrame() {
    String token = Tokens.of("cust-hello", "customer");
    Conversation asked;
    int first;
    try (WsClient customer = WsClient.connect(node.port(), token)) {
      asked = Desk.ask(customer, "human please: which size");
      first = Desk.send(customer, asked.getId(), "h-1", "one").getAck().getSeq();
      Desk.send(customer, asked.getId(), "h-2", "two");
    }
    try (WsClient back = WsClient.to(node.port()).open()) {
      back.send(Frame.newBuilder().setHello(io.livedesk.protocol.Hello.newBuilder().setToken(token)
          .addResume(io.livedesk.protocol.ConversationCursor.newBuilder().setConversationId(asked.getId()).setLastSeq(first))));
      ConversationMessage missed = back.await(Frame::hasMessage).getMessage();
      assertEquals("two", missed.getText());
      assertEquals(first + 1, back.await(Frame::hasResumed).getResumed().getCursors(0).getLastSeq());
      Desk.close(back, asked.getId());
    }
  }

  @Test
  void anAskResentWithTheSameClientMessageIdOpensOneConversation() {
    try (WsClient customer = WsClient.connect(node.port(), Tokens.of("cust-reask", "customer"))) {
      var ask = Frame.newBuilder().setAsk(io.livedesk.protocol.Ask.newBuilder().setText("human please: is it in stock")
          .setClientMsgId("ask-once"));
      Frame first = customer.requestKeepingOthers(ask);
      io.livedesk.protocol.Ack firstAck = customer.await(Frame::hasAck).getAck();
      Frame again = customer.requestKeepingOthers(ask);
      io.livedesk.protocol.Ack againAck = customer.await(Frame::hasAck).getAck();
      assertEquals(first.getConversation().getConversation().getId(), again.getConversation().getConversation().getId());
      assertEquals(firstAck.getSeq(), againAck.getSeq());
      assertEquals("ask-once", againAck.getClientMsgId());
      Desk.close(customer, first.getConversation().getConversation().getId());
    }
  }
}
