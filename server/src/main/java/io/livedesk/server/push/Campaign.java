package io.livedesk.server.push;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.livedesk.protocol.Coupon;
import io.livedesk.protocol.Prompt;
import io.livedesk.protocol.Push;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bson.Document;

import java.util.List;
import java.util.Set;

/**
 * A push campaign: a coupon or a prompt, who it targets, when it goes. The content uses the wire
 * protocol's own {@link Coupon} and {@link Prompt} messages, in their JSON form in the admin API.
 */
record Campaign(String id, String name, Coupon coupon, Prompt prompt, Target target, long at, State state,
                String createdBy, long createdAt) {

  enum State { SCHEDULED, SENDING, SENT, CANCELLED }

  /**
   * Who receives it: every criterion given must hold (their intersection). Within rooms and tags
   * any one is enough; no criterion at all means every online viewer.
   */
  record Target(Set<String> rooms, Set<String> tags, Set<String> users) {
    static final Target EVERYONE = new Target(Set.of(), Set.of(), Set.of());
  }

  private static final int MAX_ID = 128;
  private static final int MAX_USERS = 10_000;
  private static final long MAX_AHEAD_MS = 366L * 24 * 3600 * 1000;
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  boolean isCoupon() {
    return coupon != null;
  }

  Campaign withState(State s) {
    return new Campaign(id, name, coupon, prompt, target, at, s, createdBy, createdAt);
  }

  /** The frame body every targeted viewer receives. */
  Push push(long now) {
    Push.Builder push = Push.newBuilder().setPushId(id).setCampaignId(id).setAt(now);
    return isCoupon() ? push.setCoupon(coupon).build() : push.setPrompt(prompt).build();
  }

  /** Reads and checks a campaign from the admin API; the message of the exception says what is wrong. */
  static Campaign parse(String id, JsonObject body, String createdBy, long now) {
    JsonObject coupon = body.getJsonObject("coupon");
    JsonObject prompt = body.getJsonObject("prompt");
    require((coupon == null) != (prompt == null), "give exactly one of coupon or prompt");
    Coupon c = null;
    Prompt p = null;
    if (coupon != null) {
      Coupon.Builder b = Coupon.newBuilder();
      merge(coupon, b, "coupon");
      require(b.getTotal() >= 1 && b.getTotal() <= 10_000_000, "coupon.total must be 1..10000000");
      require((b.getAmountCents() > 0) != (b.getPercentOff() > 0), "give coupon.amountCents or coupon.percentOff, not both");
      require(b.getAmountCents() >= 0, "coupon.amountCents cannot be negative");
      require(b.getPercentOff() <= 100, "coupon.percentOff is at most 100");
      require(b.getExpiresAt() == 0 || b.getExpiresAt() > now, "coupon.expiresAt is in the past");
      require(b.getPerUserLimit() <= 100, "coupon.perUserLimit is at most 100");
      c = b.setCouponId(id).setPerUserLimit(Math.max(1, b.getPerUserLimit())).build();
    } else {
      Prompt.Builder b = Prompt.newBuilder();
      merge(prompt, b, "prompt");
      require(!b.getText().getZh().isBlank() || !b.getText().getEn().isBlank(), "prompt.text needs zh or en");
      require(b.getLink().isEmpty() || b.getLink().startsWith("https://") || b.getLink().startsWith("http://"),
          "prompt.link must be an http(s) URL");
      p = b.build();
    }
    JsonObject t = body.getJsonObject("target", new JsonObject());
    Target target = new Target(strings(t, "rooms"), strings(t, "tags"), strings(t, "users"));
    long at = body.getLong("at", 0L);
    require(at == 0 || at <= now + MAX_AHEAD_MS, "at is more than a year ahead");
    String name = body.getString("name", "");
    require(name.length() <= 200, "name is longer than 200 characters");
    return new Campaign(id, name, c, p, target, Math.max(at, now), State.SCHEDULED, createdBy, now);
  }

  private static void merge(JsonObject json, com.google.protobuf.Message.Builder builder, String field) {
    try {
      PARSER.merge(json.encode(), builder);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("in " + field + ": " + e.getMessage());
    }
  }

  private static Set<String> strings(JsonObject target, String key) {
    JsonArray array = target.getJsonArray(key, new JsonArray());
    require(array.size() <= MAX_USERS, "target." + key + " has more than " + MAX_USERS + " entries");
    for (Object o : array) {
      require(o instanceof String s && !s.isEmpty() && s.length() <= MAX_ID, "target." + key + " holds 1.." + MAX_ID + "-character strings");
    }
    return Set.copyOf(array.getList().stream().map(Object::toString).toList());
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  // ------------------------------------------------------------------ MongoDB and JSON forms

  Document toDocument() {
    return new Document("_id", id).append("name", name)
        .append("coupon", coupon == null ? null : print(coupon))
        .append("prompt", prompt == null ? null : print(prompt))
        .append("target", new Document("rooms", List.copyOf(target.rooms())).append("tags", List.copyOf(target.tags()))
            .append("users", List.copyOf(target.users())))
        .append("at", at).append("state", state.name()).append("createdBy", createdBy).append("createdAt", createdAt);
  }

  static Campaign fromDocument(Document d) {
    try {
      Coupon c = null;
      Prompt p = null;
      if (d.getString("coupon") != null) {
        Coupon.Builder b = Coupon.newBuilder();
        PARSER.merge(d.getString("coupon"), b);
        c = b.build();
      } else {
        Prompt.Builder b = Prompt.newBuilder();
        PARSER.merge(d.getString("prompt"), b);
        p = b.build();
      }
      Document t = d.get("target", Document.class);
      Target target = new Target(Set.copyOf(t.getList("rooms", String.class)), Set.copyOf(t.getList("tags", String.class)),
          Set.copyOf(t.getList("users", String.class)));
      return new Campaign(d.getString("_id"), d.getString("name"), c, p, target, d.getLong("at"),
          State.valueOf(d.getString("state")), d.getString("createdBy"), d.getLong("createdAt"));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("campaign " + d.get("_id") + " is stored in a form this server cannot read", e);
    }
  }

  JsonObject toJson() {
    return new JsonObject().put("id", id).put("name", name)
        .put(isCoupon() ? "coupon" : "prompt", new JsonObject(print(isCoupon() ? coupon : prompt)))
        .put("target", new JsonObject().put("rooms", new JsonArray(List.copyOf(target.rooms())))
            .put("tags", new JsonArray(List.copyOf(target.tags()))).put("users", new JsonArray(List.copyOf(target.users()))))
        .put("at", at).put("state", state.name().toLowerCase()).put("createdBy", createdBy).put("createdAt", createdAt);
  }

  private static String print(com.google.protobuf.MessageOrBuilder m) {
    try {
      return PRINTER.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
