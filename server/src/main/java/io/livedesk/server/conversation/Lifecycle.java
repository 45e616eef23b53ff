package io.livedesk.server.conversation;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.livedesk.protocol.Ask;
import io.livedesk.protocol.CloseConversation;
import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.ConversationMessage;
import io.livedesk.protocol.ConversationState;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.FrameException;
import io.livedesk.protocol.Rate;
import io.livedesk.protocol.SenderRole;
import io.livedesk.protocol.SlaOutcome;
import io.livedesk.server.auth.Principal;
import io.livedesk.server.auth.Role;
import io.livedesk.server.conversation.Conversations.Stored;
import io.livedesk.server.metrics.Metrics;
import io.livedesk.server.presence.Agent;
import io.livedesk.server.privacy.Masking;
import io.livedesk.server.store.StoreUnavailableException;
import io.livedesk.server.routing.Deadline;
import io.livedesk.server.routing.DispatchMessage;
import io.livedesk.server.routing.DispatcherClient;
import io.livedesk.server.routing.RoutingEvents;
import io.livedesk.server.routing.RoutingEvents.Routed;
import io.livedesk.server.routing.SlaCounts;
import io.livedesk.server.routing.Waiting;
import io.vertx.core.Future;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A conversation from question to rating: triage, the bot, the queue, an agent, closing. The
 * durable record changes here; routing decisions are the dispatcher's, which calls back through
 * {@link RoutingEvents}.
 */
public final class Lifecycle implements RoutingEvents {

  private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);
  private static final List<String> OPEN_STATES = names(ConversationState.BOT, ConversationState.WAITING,
      ConversationState.OFFERED, ConversationState.ACTIVE);
  private static final Bson OPEN = Filters.in("state", OPEN_STATES);
  private static final Bson QUEUED = Filters.in("state", names(ConversationState.WAITING, ConversationState.OFFERED));

  private final Conversations conversations;
  private final Triage triage;
  private final Masking masking;
  private final DispatcherClient dispatcher;
  private final ConversationConfig config;
  private final long returningWindowMs;
  private final SlaCounts sla;
  private final Metrics.Counter opened;
  private final Metrics.Counter repeated;
  private final Metrics.Counter botResolved;
  private final Metrics.Counter abandoned;
  private final Metrics.Counter ratings;
  private final AtomicLong ratingCount = new AtomicLong();
  private final AtomicLong ratingSum = new AtomicLong();

  public Lifecycle(Conversations conversations, Triage triage, Masking masking, DispatcherClient dispatcher,
                   ConversationConfig config, long returningWindowMs, SlaCounts sla, Metrics metrics) {
    this.conversations = conversations;
    this.triage = triage;
    this.masking = masking;
    this.dispatcher = dispatcher;
    this.config = config;
    this.returningWindowMs = returningWindowMs;
    this.sla = sla;
    this.opened = metrics.counter("livedesk_conversations_opened_total", "conversations opened by customers");
    this.repeated = metrics.counter("livedesk_repeated_questions_total",
        "conversations opened by a customer with the same intent as one of theirs within the repeat window");
    this.botResolved = metrics.counter("livedesk_bot_resolved_total", "conversations resolved by the bot alone");
    this.abandoned = metrics.counter("livedesk_abandoned_total", "conversations closed by the customer before an agent took them, by tier");
    this.ratings = metrics.counter("livedesk_ratings_total", "ratings given, by stars");
    metrics.gauge("livedesk_rating_average", "average rating given on this node",
        () -> ratingCount.get() == 0 ? 0 : (double) ratingSum.get() / ratingCount.get());
  }

  // ------------------------------------------------------------------ customers

  /** An opened (or, for a resent ask, the already opened) conversation and its first message. */
  public record Asked(Document conversation, ConversationMessage first) {
  }

  /**
   * Opens a conversation. An ask resent with the same {@code client_msg_id} opens nothing new:
   * it answers the conversation the first one opened.
   */
  public Future<Asked> ask(Principal customer, Ask ask) {
    String text = ask.getText().trim();
    Future<Void> valid = checkText(text);
    if (valid.failed()) {
      return valid.mapEmpty();
    }
    String id = UUID.randomUUID().toString();
    String clientMsgId = ask.getClientMsgId().isEmpty() ? "ask-" + id : ask.getClientMsgId();
    return conversations.asked(customer.userId(), clientMsgId).compose(earlier -> earlier != null
        ? again(customer, earlier, text, clientMsgId)
        : belowOpenCap(customer.userId()).compose(v -> open(customer, ask, text, id, clientMsgId)).recover(e -> Conversations.isDuplicate(e)
            // The same ask raced itself: answer the one that got in.
            ? conversations.asked(customer.userId(), clientMsgId).compose(d -> again(customer, d, text, clientMsgId))
            : Future.failedFuture(e)));
  }

  /**
   * A customer may hold a few conversations at once (two orders, say), not a flood of them each
   * queued for a person: past the cap an ask is refused, naming the newest open one to continue.
   */
  private Future<Void> belowOpenCap(String customerId) {
    int max = config.maxOpenPerCustomer();
    return conversations.ofCustomer(customerId, OPEN_STATES, max).compose(open -> open.size() < max ? Future.succeededFuture()
        : fail(ErrorCode.CONFLICT, "you already have " + max + " open conversations; continue in " + open.get(0).getString("_id")
            + " or close one first"));
  }

  private Future<Asked> again(Principal customer, Document earlier, String text, String clientMsgId) {
    return post(earlier, customer.userId(), customer.name(), SenderRole.CUSTOMER, text, clientMsgId)
        .map(stored -> new Asked(earlier, stored.message()));
  }

  private Future<Asked> open(Principal customer, Ask ask, String text, String id, String clientMsgId) {
    Triage.Verdict verdict = triage.assess(text, customer.tags(), false, 0);
    long now = System.currentTimeMillis();
    Document doc = new Document("_id", id).append("state", ConversationState.BOT.name())
        .append("intent", verdict.intent()).append("tier", verdict.tier()).append("rank", verdict.rank())
        .append("budgetMs", verdict.budgetMs()).append("skill", verdict.skill())
        .append("customerId", customer.userId()).append("customerName", customer.name())
        .append("customerTags", new ArrayList<>(customer.tags())).append("askId", clientMsgId)
        .append("roomId", ask.getRoomId()).append("productId", ask.getProductId()).append("streamTs", ask.getStreamTs())
        .append("orderId", ask.getOrderId()).append("createdAt", now).append("lastActivityAt", now)
        .append("lastSeq", 0).append("unanswered", 0).append("sla", SlaOutcome.SLA_OUTCOME_UNSPECIFIED.name());
    return conversations.count(Filters.and(Filters.eq("customerId", customer.userId()), Filters.eq("intent", verdict.intent()),
            Filters.gte("createdAt", now - config.repeatWindowMs())))
        .compose(before -> conversations.insert(doc).map(d -> {
          opened.inc();
          if (before > 0) {
            repeated.inc();
          }
          return d;
        }))
        .compose(d -> post(d, customer.userId(), customer.name(), SenderRole.CUSTOMER, text, clientMsgId))
        // the bot's answer follows the question: its seq is the next
        .compose(stored -> botTurn(doc.append("lastSeq", stored.message().getSeq()), verdict)
            .compose(v -> conversations.get(id))
            .map(now2 -> new Asked(now2, stored.message())));
  }

  /** The bot answers, or hands over to a human. */
  private Future<Void> botTurn(Document doc, Triage.Verdict verdict) {
    String id = doc.getString("_id");
    if (verdict.handoff()) {
      return queue(id, verdict);
    }
    // Answered, or not: either way the question counts as not yet settled, so the next one goes to a person.
    Future<?> answered = verdict.botAnswer().isPresent()
        ? post(doc, "bot", "Livedesk", SenderRole.BOT_SENDER, verdict.botAnswer().get(), "bot-" + UUID.randomUUID())
        : Future.succeededFuture();
    return answered.compose(v -> conversations.update(id, Filters.empty(), Updates.inc("unanswered", 1))).mapEmpty();
  }

  /** Into the queue: the deadline starts now and is kept through every transfer and re-queue. */
  private Future<Void> queue(String id, Triage.Verdict verdict) {
    long now = System.currentTimeMillis();
    return conversations.update(id, Filters.eq("state", ConversationState.BOT.name()), Updates.combine(
            Updates.set("state", ConversationState.WAITING.name()), Updates.set("queuedAt", now),
            Updates.set("deadlineAt", now + verdict.budgetMs()), Updates.set("sla", SlaOutcome.PENDING.name()),
            Updates.set("tier", verdict.tier()), Updates.set("rank", verdict.rank()),
            Updates.set("budgetMs", verdict.budgetMs())))
        .compose(doc -> doc == null ? Future.succeededFuture() : previousAgent(doc).compose(prefer -> {
          conversations.announce(doc);
          return dispatcher.ask(new DispatchMessage.Enqueue(entry(doc, prefer)));
        }).mapEmpty());
  }

  /** A vip's previous agent, or a returning customer's within the window. */
  private Future<String> previousAgent(Document doc) {
    boolean vip = doc.getList("customerTags", String.class, List.of()).contains("vip");
    return conversations.lastWithAgent(doc.getString("customerId")).map(last -> {
      if (last == null) {
        return "";
      }
      boolean recent = last.get("createdAt", 0L) >= System.currentTimeMillis() - returningWindowMs;
      return vip || recent ? last.getString("agentId") : "";
    });
  }

  static Waiting entry(Document doc, String prefer) {
    return new Waiting(doc.getString("_id"), doc.getString("customerId"), doc.getString("tier"), doc.getInteger("rank", 0),
        doc.get("skill", ""), new Deadline(doc.getLong("queuedAt"), doc.getLong("deadlineAt")),
        SlaOutcome.PENDING.name().equals(doc.getString("sla")), prefer, Conversations.toProto(doc), Set.of());
  }

  /** Stores a message (once per client message id) and, when new, delivers it and reacts to it. */
  public Future<Stored> send(Principal who, String conversationId, String clientMsgId, String rawText) {
    String text = rawText == null ? "" : rawText.trim();
    if (clientMsgId.isEmpty()) {
      return fail(ErrorCode.INVALID_ARGUMENT, "client_msg_id is required, so that a resend is stored once");
    }
    Future<Void> valid = checkText(text);
    if (valid.failed()) {
      return valid.mapEmpty();
    }
    Future<Stored> busy = conversations.refusalWhenBusy();
    if (busy != null) {
      return busy; // answered STORE_UNAVAILABLE, retryable
    }
    return participant(who, conversationId, false).compose(doc -> {
      ConversationState state = Conversations.state(doc);
      if (state == ConversationState.RESOLVED || state == ConversationState.CLOSED) {
        return fail(ErrorCode.CONFLICT, "the conversation is closed");
      }
      boolean customer = who.userId().equals(doc.getString("customerId"));
      SenderRole role = customer ? SenderRole.CUSTOMER : SenderRole.AGENT;
      // What a message changes on its conversation rides in the update that raises lastSeq, not in
      // writes of its own: a customer's message in an active conversation starts the agent's
      // next-response deadline unless one runs already ($min keeps the earlier); an agent's ends it
      // and, the first time, is the first human response ($min: a later one never moves it).
      long now = System.currentTimeMillis();
      Bson alongside = !customer ? Updates.combine(Updates.min("firstHumanResponseAt", now), Updates.unset("responseDueAt"))
          : state == ConversationState.ACTIVE ? Updates.min("responseDueAt", now + doc.get("budgetMs", 30_000L)) : null;
      return post(doc, who.userId(), who.name(), role, text, clientMsgId, alongside).onSuccess(stored -> {
        if (!stored.duplicate()) {
          afterMessage(doc, who, role, text, now).onFailure(e -> log.warn("after message in {}", conversationId, e));
        }
      });
    });
  }

  private Future<Stored> post(Document doc, String senderId, String senderName, SenderRole role, String text,
                              String clientMsgId) {
    return post(doc, senderId, senderName, role, text, clientMsgId, null);
  }

  private Future<Stored> post(Document doc, String senderId, String senderName, SenderRole role, String text,
                              String clientMsgId, Bson alongside) {
    return conversations.append(doc, senderId, senderName, role, masking.mask(text), clientMsgId, alongside)
        .recover(e -> e instanceof StoreUnavailableException
            ? fail(ErrorCode.STORE_UNAVAILABLE, e.getMessage()) : Future.failedFuture(e))
        .onSuccess(stored -> {
          if (!stored.duplicate()) {
            conversations.toParticipants(doc, Conversations.messageFrame(stored.message()));
          }
        });
  }

  /** {@code now}: when the message was sent, as its conversation's update recorded it. */
  private Future<Void> afterMessage(Document doc, Principal who, SenderRole role, String text, long now) {
    String id = doc.getString("_id");
    ConversationState state = Conversations.state(doc);
    if (role == SenderRole.AGENT) {
      // firstHumanResponseAt and the response deadline changed with lastSeq (send); the time to it
      // is counted when the conversation as read had none (two first replies racing count twice)
      if (!doc.containsKey("firstHumanResponseAt") && doc.containsKey("queuedAt")) {
        sla.firstResponse(doc.getString("tier"), now - doc.getLong("queuedAt"));
      }
      return Future.succeededFuture();
    }
    switch (state) {
      case BOT -> {
        Triage.Verdict followUp = triage.assess(text, who.tags(), false, doc.getInteger("unanswered", 0));
        return botTurn(doc, notLessUrgent(followUp, verdictOf(doc)));
      }
      case WAITING, OFFERED -> {
        Triage.Verdict current = verdictOf(doc);
        Triage.Verdict raised = triage.raise(current, text, who.tags());
        if (raised.rank() >= current.rank()) {
          return Future.succeededFuture();
        }
        long due = Math.min(doc.getLong("deadlineAt"), doc.getLong("queuedAt") + raised.budgetMs());
        return conversations.update(id, QUEUED, Updates.combine(Updates.set("tier", raised.tier()),
                Updates.set("rank", raised.rank()), Updates.set("budgetMs", raised.budgetMs()), Updates.set("deadlineAt", due)))
            .compose(up -> up == null ? Future.succeededFuture() : previousAgent(up).compose(prefer ->
                dispatcher.ask(new DispatchMessage.Enqueue(entry(up, prefer)))))
            .mapEmpty();
      }
      default -> {
        // ACTIVE: the customer's message set the next-response deadline as it was stored (send).
        return Future.succeededFuture();
      }
    }
  }

  /**
   * A follow-up the bot hands over goes to the queue in the question's tier, or the follow-up's
   * when that is more urgent: "ok thanks" (a low-tier intent) after the bot's answer about a
   * parcel must not move the parcel question down to the low tier.
   */
  private static Triage.Verdict notLessUrgent(Triage.Verdict followUp, Triage.Verdict question) {
    return followUp.rank() <= question.rank() ? followUp
        : new Triage.Verdict(followUp.intent(), question.tier(), question.rank(), question.budgetMs(), followUp.skill(),
            followUp.botAnswer(), followUp.handoff(), followUp.reason());
  }

  private static Triage.Verdict verdictOf(Document doc) {
    return new Triage.Verdict(doc.get("intent", ""), doc.getString("tier"), doc.getInteger("rank", 0),
        doc.get("budgetMs", 30_000L), doc.get("skill", ""), Optional.empty(), true, "current");
  }

  public Future<Document> close(Principal who, CloseConversation close) {
    return participant(who, close.getConversationId(), true)
        .compose(doc -> finish(doc, who.userId(), close.getReason(), close.getResolved()))
        .compose(doc -> doc != null ? Future.succeededFuture(doc) : fail(ErrorCode.CONFLICT, "the conversation is already closed"));
  }

  /** Closes an open conversation once; answers null when it was already closed. */
  private Future<Document> finish(Document before, String by, String reason, boolean resolved) {
    String id = before.getString("_id");
    long now = System.currentTimeMillis();
    ConversationState to = resolved ? ConversationState.RESOLVED : ConversationState.CLOSED;
    return conversations.update(id, OPEN, Updates.combine(Updates.set("state", to.name()),
            Updates.set(resolved ? "resolvedAt" : "closedAt", now), Updates.set("closedBy", by),
            Updates.set("closeReason", reason == null ? "" : reason), Updates.unset("responseDueAt")))
        .compose(after -> {
          if (after == null) {
            return Future.succeededFuture();
          }
          conversations.announce(after);
          ConversationState was = Conversations.state(before);
          boolean byCustomer = by.equals(after.getString("customerId"));
          Future<?> routing = Future.succeededFuture();
          if (was == ConversationState.WAITING || was == ConversationState.OFFERED || was == ConversationState.ACTIVE) {
            if (was != ConversationState.ACTIVE && byCustomer) {
              abandoned.inc("tier=\"" + after.getString("tier") + "\"");
            }
            // One request whatever state the close saw: a close racing an accept saw it waiting,
            // and the dispatcher must free the seat all the same.
            routing = dispatcher.ask(new DispatchMessage.Closed(id));
          } else if (was == ConversationState.BOT) {
            // Closed while only the bot had answered: the bot settled it.
            botResolved.inc();
          }
          return routing.map(after);
        });
  }

  public Future<Void> rate(Principal who, Rate rate) {
    if (rate.getStars() < 1 || rate.getStars() > 5) {
      return fail(ErrorCode.INVALID_ARGUMENT, "stars must be 1 to 5");
    }
    if (rate.getComment().length() > config.maxTextLength()) {
      return fail(ErrorCode.TOO_LONG, "the comment is longer than " + config.maxTextLength() + " characters");
    }
    return participant(who, rate.getConversationId(), false).compose(doc -> {
      if (!who.userId().equals(doc.getString("customerId"))) {
        return fail(ErrorCode.FORBIDDEN, "only the customer rates a conversation");
      }
      ConversationState state = Conversations.state(doc);
      if (state != ConversationState.RESOLVED && state != ConversationState.CLOSED) {
        return fail(ErrorCode.CONFLICT, "rate a conversation once it is closed");
      }
      return conversations.update(doc.getString("_id"), Filters.exists("rating", false),
          Updates.combine(Updates.set("rating", rate.getStars()), Updates.set("ratingComment", rate.getComment())));
    }).compose(after -> {
      if (after == null) {
        return fail(ErrorCode.CONFLICT, "the conversation is already rated");
      }
      ratingCount.incrementAndGet();
      ratingSum.addAndGet(rate.getStars());
      ratings.inc("stars=\"" + rate.getStars() + "\"");
      conversations.announce(after);
      return Future.succeededFuture();
    });
  }

  public Future<Void> transfer(Principal agent, String conversationId, String toAgent) {
    if (toAgent.equals(agent.userId())) {
      return fail(ErrorCode.INVALID_ARGUMENT, "you already hold this conversation");
    }
    return participant(agent, conversationId, false).compose(doc -> {
      if (!agent.userId().equals(doc.getString("agentId")) || Conversations.state(doc) != ConversationState.ACTIVE) {
        return fail(ErrorCode.CONFLICT, "you are not answering this conversation");
      }
      return dispatcher.ask(new DispatchMessage.Transfer(conversationId, agent.userId(), toAgent)).mapEmpty();
    });
  }

  /**
   * The conversation when the user takes part in it (its customer or agent), or with
   * {@code supervisors} also for supervisors and admins. Anyone else learns nothing about it.
   */
  public Future<Document> participant(Principal who, String conversationId, boolean supervisors) {
    if (conversationId == null || conversationId.isEmpty()) {
      return fail(ErrorCode.INVALID_ARGUMENT, "conversation_id is required");
    }
    return conversations.get(conversationId).compose(doc -> {
      boolean allowed = doc != null && (who.userId().equals(doc.getString("customerId"))
          || who.userId().equals(doc.getString("agentId"))
          || (supervisors && (who.has(Role.SUPERVISOR) || who.has(Role.ADMIN))));
      return allowed ? Future.succeededFuture(doc) : fail(ErrorCode.NOT_FOUND, "no such conversation of yours");
    });
  }

  private Future<Void> checkText(String text) {
    if (text.isEmpty()) {
      return fail(ErrorCode.INVALID_ARGUMENT, "text is required");
    }
    if (text.length() > config.maxTextLength()) {
      return fail(ErrorCode.TOO_LONG, "text is longer than " + config.maxTextLength() + " characters");
    }
    return Future.succeededFuture();
  }

  // ------------------------------------------------------------------ the dispatcher's decisions

  @Override
  public Future<Boolean> offered(Waiting w, String agentId, long at) {
    return conversations.update(w.conversationId(), QUEUED, Updates.combine(
        Updates.set("state", ConversationState.OFFERED.name()), Updates.min("offeredAt", at))).map(doc -> doc != null);
  }

  @Override
  public Future<Boolean> requeued(Waiting w, String reason) {
    return conversations.update(w.conversationId(), Filters.in("state", names(ConversationState.WAITING,
            ConversationState.OFFERED, ConversationState.ACTIVE)), Updates.combine(
            Updates.set("state", ConversationState.WAITING.name()), Updates.unset("agentId"), Updates.unset("agentName"),
            Updates.unset("responseDueAt")))
        .onSuccess(doc -> {
          if (doc != null && !"timeout".equals(reason) && !"declined".equals(reason)) {
            conversations.announce(doc);
          }
        }).map(doc -> doc != null);
  }

  @Override
  public Future<Conversation> assigned(Waiting w, Agent agent, String fromAgent, boolean slaMet, long at) {
    Bson update = Updates.combine(Updates.set("state", ConversationState.ACTIVE.name()),
        Updates.set("agentId", agent.id()), Updates.set("agentName", agent.name()), Updates.min("assignedAt", at),
        Updates.set("lastActivityAt", at));
    // From the queue only while it waits, from an agent only while that agent has it: a write
    // that lands late (after a later hand-over) cannot take it from whoever holds it now.
    Bson holds = fromAgent.isEmpty() ? QUEUED
        : Filters.and(Filters.eq("state", ConversationState.ACTIVE.name()), Filters.eq("agentId", fromAgent));
    return conversations.update(w.conversationId(), holds, update)
        // Met only over a pending SLA and within the recorded deadline (a raised tier may have moved
        // it since the dispatcher decided): an outcome already on record is never overwritten.
        .compose(doc -> doc == null || !slaMet ? Future.succeededFuture(doc)
            : conversations.update(w.conversationId(), Filters.and(Filters.eq("sla", SlaOutcome.PENDING.name()),
                    Filters.gte("deadlineAt", at)),
                Updates.set("sla", SlaOutcome.MET.name())).map(met -> met != null ? met : doc))
        .compose(doc -> {
          if (doc == null) {
            return fail(ErrorCode.CONFLICT, "the conversation was closed");
          }
          conversations.announce(doc);
          return Future.succeededFuture(Conversations.toProto(doc));
        });
  }

  @Override
  public Future<Boolean> breached(Waiting w, long at) {
    // Only while open: a closed (abandoned) conversation records no breach.
    return conversations.update(w.conversationId(), Filters.and(Filters.in("state", names(ConversationState.WAITING,
            ConversationState.OFFERED, ConversationState.ACTIVE)), Filters.eq("sla", SlaOutcome.PENDING.name())),
            Updates.combine(Updates.set("sla", SlaOutcome.BREACHED.name()), Updates.set("breachedAt", at)))
        .compose(doc -> doc == null ? Future.succeededFuture(false)
            : conversations.slaEvent(w.conversationId(), w.tier(), "breach", at).map(true));
  }

  @Override
  public Future<List<Routed>> routable() {
    return conversations.find(Filters.in("state", names(ConversationState.WAITING, ConversationState.OFFERED,
            ConversationState.ACTIVE)), 0)
        .map(docs -> {
          List<Routed> out = new ArrayList<>();
          for (Document d : docs) {
            if (d.get("queuedAt") instanceof Number && d.get("deadlineAt") instanceof Number) {
              out.add(new Routed(entry(d, ""), Conversations.state(d), d.get("agentId", "")));
            } else {
              log.warn("conversation {} is {} but has no deadline; not routed", d.get("_id"), d.get("state"));
            }
          }
          return out;
        });
  }

  @Override
  public Future<List<Conversation>> housekeeping(long now) {
    Future<Void> inactive = conversations.find(Filters.and(Filters.in("state", names(ConversationState.BOT,
            ConversationState.ACTIVE)), Filters.lt("lastActivityAt", now - config.inactivityTimeoutMs())), 100)
        .compose(docs -> Future.all(docs.stream().map(d -> finish(d, "system", "inactivity", false)).toList()))
        .mapEmpty();
    Future<List<Conversation>> late = conversations.find(Filters.and(Filters.eq("state", ConversationState.ACTIVE.name()),
            Filters.lt("responseDueAt", now)), 100)
        .compose(docs -> Future.all(docs.stream().map(d -> conversations.update(d.getString("_id"),
                Filters.lt("responseDueAt", now), Updates.combine(Updates.unset("responseDueAt"), Updates.inc("responseBreaches", 1)))
            .compose(after -> after == null ? Future.succeededFuture((Conversation) null)
                : conversations.slaEvent(after.getString("_id"), after.getString("tier"), "response_breach", now)
                    .map(v -> Conversations.toProto(after)))).toList()))
        .map(all -> {
          List<Conversation> out = new ArrayList<>();
          for (int i = 0; i < all.size(); i++) {
            Conversation c = all.resultAt(i);
            if (c != null) {
              out.add(c);
            }
          }
          return out;
        });
    return inactive.compose(v -> late);
  }

  private static List<String> names(ConversationState... states) {
    List<String> out = new ArrayList<>();
    for (ConversationState s : states) {
      out.add(s.name());
    }
    return out;
  }

  static <T> Future<T> fail(ErrorCode code, String message) {
    return Future.failedFuture(new FrameException(code, message));
  }
}
