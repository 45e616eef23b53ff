package io.livedesk.server.cluster;

/**
 * Every event-bus address and Hazelcast structure name the server uses, in one place.
 * Addresses are per node or per concern, never per viewer.
 */
public final class Addresses {

  private Addresses() {
  }

  /** Frames for one identified user (customer, agent, supervisor, admin): consumed on each node holding their sessions. */
  public static String user(String userId) {
    return "livedesk.user." + userId;
  }

  /** The cluster's single active dispatcher: routing and presence changes are requests to it. */
  public static final String DISPATCHER = "livedesk.routing.dispatcher";

  /** Hazelcast map of waiting conversations (conversation id to entry JSON), with backups. */
  public static final String QUEUE_MAP = "livedesk.routing.queue";

  /** Hazelcast map of agent presence (agent id to presence JSON), with backups. */
  public static final String PRESENCE_MAP = "livedesk.presence.agents";

  /** Hazelcast map of the dispatcher's open offers (offer id to offer JSON), so a successor keeps them open. */
  public static final String OFFERS_MAP = "livedesk.routing.offers";

  /** Hazelcast map of supervisors watching the live view (supervisor id to since). */
  public static final String SUPERVISORS_MAP = "livedesk.routing.supervisors";

  /** Classification rules an admin replaced: published to every node, each swaps them in. */
  public static final String ROUTING_RULES = "livedesk.routing.rules";
  /** Room messages, notices and pins: published once, consumed once per node, which writes to its own members. */
  public static final String ROOM_EVENTS = "livedesk.rooms.events";

  /** Each node's viewer counts per room, published once per interval. */
  public static final String ROOM_COUNTS = "livedesk.rooms.counts";

  /** Hazelcast map: room id to its shared state (slow mode, mutes, bans, moderators, pin, last messages). */
  public static final String ROOM_STATES = "livedesk.rooms";

  /** A campaign to send: published once, consumed once per node, which matches its own sessions. */
  public static final String PUSHES = "livedesk.push.deliver";

  /** A campaign id whose state changed (cancelled, sent): nodes forget their cached copy. */
  public static final String CAMPAIGN_CHANGED = "livedesk.push.changed";

  /** Hazelcast map: campaign id to its counters (targeted, delivered, opened, claimed, converted). */
  public static final String CAMPAIGN_COUNTS = "livedesk.campaigns.counts";

  /** Hazelcast map: coupon campaign id to the coupons left; taken by entry processor, never below zero. */
  public static final String COUPONS_LEFT = "livedesk.coupons.left";

  /** Hazelcast map: a periodic job's name to the time its current lease ends; whoever takes the lease runs the job. */
  public static final String JOB_LEASES = "livedesk.jobs.leases";
}
