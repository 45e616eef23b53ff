package io.livedesk.server.routing;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The exclusive offers open now, at most one per conversation, mirrored so a new dispatcher
 * keeps them open until their original expiry (the agent may still accept) instead of leaving
 * the agent a dead offer. Used only on the dispatcher's context.
 */
public final class OfferBook {

  /** An offer of one conversation to one agent, open until {@code expiresAt}. */
  public record PendingOffer(String offerId, String conversationId, String agentId, long expiresAt) {

    String toJson() {
      return new JsonObject().put("offerId", offerId).put("conversationId", conversationId).put("agentId", agentId)
          .put("expiresAt", expiresAt).encode();
    }

    static PendingOffer fromJson(String json) {
      JsonObject j = new JsonObject(json);
      return new PendingOffer(j.getString("offerId"), j.getString("conversationId"), j.getString("agentId"),
          j.getLong("expiresAt"));
    }
  }

  private final Mirror<PendingOffer> offers;
  private final Map<String, String> byConversation = new HashMap<>();
  private final Map<String, Integer> perAgent = new HashMap<>();

  public OfferBook(SharedMap shared) {
    this.offers = new Mirror<>("offers", shared, PendingOffer::toJson, PendingOffer::fromJson);
  }

  public Future<Void> load() {
    return offers.load().map(all -> {
      byConversation.clear();
      perAgent.clear();
      for (PendingOffer o : List.copyOf(all.values())) {
        if (byConversation.containsKey(o.conversationId())) {
          // Two offers of one conversation can only come from a torn write: keep the first.
          offers.remove(o.offerId());
        } else {
          index(o);
        }
      }
      return null;
    });
  }

  public Future<Void> open(PendingOffer o) {
    index(o);
    return offers.put(o.offerId(), o);
  }

  public PendingOffer get(String offerId) {
    return offers.get(offerId);
  }

  public PendingOffer forConversation(String conversationId) {
    String id = byConversation.get(conversationId);
    return id == null ? null : offers.get(id);
  }

  public Future<Void> close(PendingOffer o) {
    if (offers.get(o.offerId()) == null) {
      return Future.succeededFuture();
    }
    byConversation.remove(o.conversationId(), o.offerId());
    perAgent.computeIfPresent(o.agentId(), (a, n) -> n <= 1 ? null : n - 1);
    return offers.remove(o.offerId()).mapEmpty();
  }

  /** How many offers the agent has open. */
  public int openTo(String agentId) {
    return perAgent.getOrDefault(agentId, 0);
  }

  public List<PendingOffer> toAgent(String agentId) {
    List<PendingOffer> out = new ArrayList<>();
    for (PendingOffer o : offers.values()) {
      if (o.agentId().equals(agentId)) {
        out.add(o);
      }
    }
    return out;
  }

  public List<PendingOffer> all() {
    return new ArrayList<>(offers.values());
  }

  public int size() {
    return offers.size();
  }

  public void resync() {
    offers.resync();
  }

  private void index(PendingOffer o) {
    byConversation.put(o.conversationId(), o.offerId());
    perAgent.merge(o.agentId(), 1, Integer::sum);
  }
}
