package io.livedesk.server.room;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameException;
import io.livedesk.protocol.Moderate;
import io.livedesk.protocol.ModerationAction;
import io.livedesk.protocol.Ok;
import io.livedesk.protocol.Pin;
import io.livedesk.protocol.Pinned;
import io.livedesk.protocol.RoomHistory;
import io.livedesk.protocol.RoomHistoryRequest;
import io.livedesk.protocol.RoomJoined;
import io.livedesk.protocol.RoomMessage;
import io.livedesk.protocol.RoomNotice;
import io.livedesk.protocol.RoomNoticeKind;
import io.livedesk.protocol.Say;
import io.livedesk.server.auth.Principal;
import io.livedesk.server.auth.Role;
import io.livedesk.server.cluster.Addresses;
import io.livedesk.server.gateway.FrameRouter;
import io.livedesk.server.gateway.Session;
import io.livedesk.server.gateway.SessionEvents;
import io.livedesk.server.metrics.Metrics;
import io.livedesk.server.privacy.Masking;
import io.livedesk.server.store.Store;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Live rooms: join, leave, say, history, pin and moderation frames, checked against the room's
 * state in Hazelcast and fanned out once per node through {@link RoomFanout}. Other concerns use
 * {@link #forEachMember}, {@link #isIn} and {@link #couponDrop}.
 */
public final class Rooms {

  private static final int MAX_ROOM_ID = 128;
  private static final int MAX_CLIENT_MSG_ID = 64;
  private static final int MAX_HISTORY_PAGE = 100;
  private static final int MAX_MUTE_SECONDS = 30 * 24 * 3600;
  private static final int MAX_SLOW_SECONDS = 3600;

  private final Vertx vertx;
  private final RoomConfig config;
  private final IMap<String, RoomState> states;
  private final RoomArchive archive;
  private final Members members = new Members();
  private final RoomFanout fanout;
  /** Room chat is public: personal data is masked before anyone sees it or it is stored. */
  private final Masking masking;

  public Rooms(Vertx vertx, HazelcastInstance hazelcast, Store store, RoomConfig config, String nodeId, Masking masking,
               Metrics metrics) {
    this.vertx = vertx;
    this.masking = masking;
    this.config = config;
    this.states = hazelcast.getMap(Addresses.ROOM_STATES);
    this.archive = config.retentionHours() > 0 ? new RoomArchive(store, config.retentionHours()) : null;
    this.fanout = new RoomFanout(members, config, nodeId, metrics);
  }

  /** Registers the room frames and starts this node's fan-out. */
  public Future<Void> start(FrameRouter frames, SessionEvents events) {
    frames.register(Frame.BodyCase.JOIN_ROOM, FrameRouter.ANY_ROLE, this::join);
    frames.register(Frame.BodyCase.LEAVE_ROOM, FrameRouter.ANY_ROLE, this::leave);
    frames.register(Frame.BodyCase.SAY, FrameRouter.ANY_ROLE, this::say);
    frames.register(Frame.BodyCase.ROOM_HISTORY, FrameRouter.ANY_ROLE, this::history);
    // Anyone may try: per-room moderators are granted to ordinary users, so the room's state decides.
    frames.register(Frame.BodyCase.PIN, FrameRouter.ANY_ROLE, this::pin);
    frames.register(Frame.BodyCase.MODERATE, FrameRouter.ANY_ROLE, this::moderate);
    events.onClosed(s -> members.leaveAll(s));
    Future<Void> archived = archive == null ? Future.succeededFuture() : archive.start();
    return archived.compose(v -> vertx.deployVerticle(fanout, new DeploymentOptions())).mapEmpty();
  }

  /** Runs the action for every member of the room on this node, each on its session's event loop; completes when all ran. */
  public Future<Void> forEachMember(String roomId, Consumer<Session> action) {
    Members.Room room = members.room(roomId);
    return room == null ? Future.succeededFuture() : room.forEachMember(action);
  }

  /** This node's membership (tests look at how it is split over the event loops). */
  Members members() {
    return members;
  }

  /** Where this node's room events arrive before they are handed to the members' event loops. */
  Context fanoutContext() {
    return fanout.context();
  }

  public boolean isIn(Session session, String roomId) {
    return members.isIn(session, roomId);
  }

  /** Viewers of the room across the cluster, as this node last heard. */
  public int viewers(String roomId) {
    return fanout.viewers(roomId);
  }

  /** Viewers of every watched room across the cluster, as this node last heard. */
  public Map<String, Integer> viewersByRoom() {
    return fanout.viewersByRoom();
  }

  /** The product pinned in the room now; empty when none is (or the room is unknown). */
  public Future<String> pinnedProduct(String roomId) {
    return Future.fromCompletionStage(states.getAsync(roomId), Vertx.currentContext())
        .map(state -> state == null || state.pinned == null ? "" : pinned(state.pinned).getProductId());
  }

  /** A coupon drop starts in the room: slow mode switches itself on for a while, and the room is told. */
  public Future<Void> couponDrop(String roomId) {
    long hold = config.autoSlowHoldSeconds() * 1000L;
    return submit(roomId, new RoomState.AutoSlowOn(config.autoSlowSeconds(), System.currentTimeMillis() + hold))
        .map(switchedOn -> {
          if (switchedOn) {
            autoSlowStarted(roomId, config.autoSlowSeconds());
          }
          return null;
        });
  }

  // ------------------------------------------------------------------ frames

  private Future<Frame.Builder> join(Session session, Frame frame) {
    String roomId = frame.getJoinRoom().getRoomId();
    Context context = Vertx.currentContext();
    return roomId(roomId)
        .compose(v -> !members.isIn(session, roomId) && members.roomsOf(session) >= config.maxRoomsPerSession()
            ? refuse(ErrorCode.CONFLICT, "at most " + config.maxRoomsPerSession() + " rooms per connection; leave one first")
            : Future.fromCompletionStage(states.getAsync(roomId), context))
        .compose(state -> {
          boolean staff = moderatorByToken(session.principal());
          if (state != null && state.banned.contains(session.userId()) && !staff) {
            return refuse(ErrorCode.BANNED, "you are banned from this room");
          }
          // Known as staff from now on, so that no moderator by grant can mute or ban them here.
          Future<ErrorCode> known = staff && (state == null || !state.staff.contains(session.userId()))
              ? submit(roomId, new RoomState.Staff(session.userId())) : Future.succeededFuture();
          return known.map(v -> joined(session, roomId, state, context));
        });
  }

  private Frame.Builder joined(Session session, String roomId, RoomState state, Context context) {
    if (session.isOpen()) {
      members.join(session, roomId, context);
    }
    RoomJoined.Builder joined = RoomJoined.newBuilder().setRoomId(roomId).setViewers(fanout.viewers(roomId));
    if (state != null) {
      joined.setSlowModeSeconds(state.slowSeconds()).addAllHistory(parse(state.historyMessages()));
      if (state.pinned != null) {
        joined.setPinned(pinned(state.pinned));
      }
    }
    return Frame.newBuilder().setRoomJoined(joined);
  }

  private Future<Frame.Builder> leave(Session session, Frame frame) {
    String roomId = frame.getLeaveRoom().getRoomId();
    if (!members.leave(session, roomId)) {
      return refuse(ErrorCode.NOT_IN_ROOM, "you are not in room " + roomId);
    }
    return ok();
  }

  private Future<Frame.Builder> say(Session session, Frame frame) {
    Say say = frame.getSay();
    String roomId = say.getRoomId();
    if (!members.isIn(session, roomId)) {
      return refuse(ErrorCode.NOT_IN_ROOM, "join room " + roomId + " before saying anything in it");
    }
    String text = say.getText().strip();
    if (text.isEmpty()) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "text is empty");
    }
    if (text.codePointCount(0, text.length()) > config.maxMessageLength()) {
      return refuse(ErrorCode.TOO_LONG, "at most " + config.maxMessageLength() + " characters");
    }
    if (say.getClientMsgId().length() > MAX_CLIENT_MSG_ID) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "client_msg_id is longer than " + MAX_CLIENT_MSG_ID);
    }
    if (config.blockedTermIn(text) != null) {
      return refuse(ErrorCode.BLOCKED_TERM, "the message contains a blocked term");
    }
    Principal p = session.principal();
    long now = System.currentTimeMillis();
    RoomMessage message = RoomMessage.newBuilder().setRoomId(roomId).setMessageId(messageId(now))
        .setUserId(p.userId()).setUserName(p.name()).setText(masking.mask(text)).setAt(now).setClientMsgId(say.getClientMsgId())
        .setModerator(moderatorByToken(p)).build();
    return submit(roomId, new RoomState.Say(p.userId(), moderatorByToken(p), now, message.getMessageId(),
        message.toByteArray(), config.historySize(), config.autoSlowRate(), config.autoSlowSeconds(),
        config.autoSlowHoldSeconds() * 1000L))
        .compose(verdict -> {
          if (verdict.autoSlowOn()) {
            autoSlowStarted(roomId, verdict.slowSeconds());
          }
          if (verdict.refused() != null) {
            return refuse(verdict.refused(), refusal(verdict));
          }
          // A moderator by grant is known only to the room's state; the stored copy is marked the same way.
          RoomMessage said = verdict.moderator() && !message.getModerator() ? message.toBuilder().setModerator(true).build() : message;
          publish(roomId, Frame.newBuilder().setRoomMessage(said));
          // Answered once archived (when rooms keep history), so that a roomHistory asked right
          // after the answer has it; an archive that fails is logged, the message was still said.
          return (archive == null ? Future.<Void>succeededFuture() : archive.store(said)).transform(ar -> ok());
        });
  }

  private static String refusal(RoomState.Verdict v) {
    long seconds = (v.waitMs() + 999) / 1000;
    return switch (v.refused()) {
      case BANNED -> "you are banned from this room";
      case MUTED -> "you are muted in this room for " + seconds + " more seconds";
      case SLOW_MODE -> "slow mode: wait " + seconds + " s before your next message";
      default -> "refused";
    };
  }

  private Future<Frame.Builder> history(Session session, Frame frame) {
    RoomHistoryRequest req = frame.getRoomHistory();
    String roomId = req.getRoomId();
    if (!members.isIn(session, roomId)) {
      return refuse(ErrorCode.NOT_IN_ROOM, "join room " + roomId + " to read its history");
    }
    int limit = req.getLimit() == 0 ? config.historySize() : Math.min(req.getLimit(), MAX_HISTORY_PAGE);
    if (archive != null) {
      return archive.before(roomId, req.getBeforeMessageId(), limit).map(page -> Frame.newBuilder().setRoomHistoryPage(
          RoomHistory.newBuilder().setRoomId(roomId).addAllMessages(page.messages()).setMore(page.more())));
    }
    return Future.fromCompletionStage(states.getAsync(roomId), Vertx.currentContext()).map(state -> {
      List<RoomMessage> all = state == null ? List.of() : parse(state.historyMessages());
      int end = all.size();
      for (int i = 0; i < all.size() && !req.getBeforeMessageId().isEmpty(); i++) {
        if (all.get(i).getMessageId().equals(req.getBeforeMessageId())) {
          end = i;
        }
      }
      int start = Math.max(0, end - limit);
      return Frame.newBuilder().setRoomHistoryPage(RoomHistory.newBuilder().setRoomId(roomId)
          .addAllMessages(all.subList(start, end)).setMore(start > 0));
    });
  }

  private Future<Frame.Builder> pin(Session session, Frame frame) {
    Pin pin = frame.getPin();
    String roomId = pin.getRoomId();
    Principal p = session.principal();
    Pinned pinned = Pinned.newBuilder().setRoomId(roomId).setProductId(pin.getClear() ? "" : pin.getProductId())
        .setAnnouncement(pin.getClear() ? "" : pin.getAnnouncement()).setBy(p.userId())
        .setAt(System.currentTimeMillis()).build();
    if (!pin.getClear() && pin.getProductId().isEmpty() && pin.getAnnouncement().isEmpty()) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "pin a product_id or an announcement, or set clear");
    }
    if (pin.getAnnouncement().length() > config.maxMessageLength() * 4 || pin.getProductId().length() > MAX_ROOM_ID) {
      return refuse(ErrorCode.TOO_LONG, "the pin is too long");
    }
    return roomId(roomId)
        .compose(v -> submit(roomId, new RoomState.PinIt(p.userId(), moderatorByToken(p),
            pin.getClear() ? null : pinned.toByteArray())))
        .compose(refused -> {
          if (refused != null) {
            return refuse(refused, "only the room's moderators may pin");
          }
          publish(roomId, Frame.newBuilder().setPinned(pinned));
          return ok();
        });
  }

  private Future<Frame.Builder> moderate(Session session, Frame frame) {
    Moderate m = frame.getModerate();
    String roomId = m.getRoomId();
    Principal p = session.principal();
    ModerationAction action = m.getAction();
    boolean aboutUser = switch (action) {
      case MUTE, UNMUTE, BAN, UNBAN, GRANT_MODERATOR, REVOKE_MODERATOR -> true;
      default -> false;
    };
    if (action == ModerationAction.MODERATION_ACTION_UNSPECIFIED || action == ModerationAction.UNRECOGNIZED) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "action is missing or unknown");
    }
    if ((action == ModerationAction.GRANT_MODERATOR || action == ModerationAction.REVOKE_MODERATOR) && !p.has(Role.ADMIN)) {
      return refuse(ErrorCode.FORBIDDEN, "only admins grant or revoke room moderators");
    }
    if (aboutUser && (m.getUserId().isEmpty() || m.getUserId().length() > MAX_ROOM_ID)) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "user_id is required");
    }
    if (action == ModerationAction.DELETE_MESSAGE && m.getMessageId().isEmpty()) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "message_id is required");
    }
    if (action == ModerationAction.MUTE && (m.getDurationSeconds() == 0 || m.getDurationSeconds() > MAX_MUTE_SECONDS)) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "duration_seconds must be 1.." + MAX_MUTE_SECONDS);
    }
    if (action == ModerationAction.SET_SLOW_MODE && m.getDurationSeconds() > MAX_SLOW_SECONDS) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "slow mode is at most " + MAX_SLOW_SECONDS + " seconds");
    }
    return roomId(roomId)
        .compose(v -> submit(roomId, new RoomState.Moderation(p.userId(), moderatorByToken(p), action, m.getUserId(),
            m.getMessageId(), m.getDurationSeconds(), System.currentTimeMillis())))
        .compose(refused -> {
          if (refused != null) {
            return refuse(refused, "only the room's moderators may do this");
          }
          RoomNotice.Builder notice = RoomNotice.newBuilder().setRoomId(roomId).setUserId(m.getUserId());
          switch (action) {
            case MUTE -> publish(roomId, notice.setKind(RoomNoticeKind.USER_MUTED).setSeconds(m.getDurationSeconds()));
            case BAN -> publish(roomId, notice.setKind(RoomNoticeKind.USER_BANNED));
            case DELETE_MESSAGE -> {
              publish(roomId, notice.setUserId("").setKind(RoomNoticeKind.MESSAGE_DELETED).setMessageId(m.getMessageId()));
              if (archive != null) {
                // a deleted message must not be replayed by a history asked after the answer
                return archive.markDeleted(m.getMessageId(), p.userId()).transform(ar -> ok());
              }
            }
            case SET_SLOW_MODE -> publish(roomId, notice.setUserId("").setSeconds(m.getDurationSeconds())
                .setKind(m.getDurationSeconds() > 0 ? RoomNoticeKind.SLOW_MODE_ON : RoomNoticeKind.SLOW_MODE_OFF));
            default -> {
              // grants, unmutes and unbans change nothing on screen
            }
          }
          return ok();
        });
  }

  // ------------------------------------------------------------------ slow mode that switches itself

  private void autoSlowStarted(String roomId, int seconds) {
    publish(roomId, RoomNotice.newBuilder().setRoomId(roomId).setKind(RoomNoticeKind.SLOW_MODE_ON).setSeconds(seconds)
        .setText("slow mode is on while the room is busy"));
    autoSlowCheck(roomId, config.autoSlowHoldSeconds() * 1000L);
  }

  /** Switches automatic slow mode off once its time is up; if this node dies first, the room's next say does. */
  private void autoSlowCheck(String roomId, long delayMs) {
    vertx.setTimer(Math.max(1, delayMs), id -> submit(roomId, new RoomState.AutoSlowOff(System.currentTimeMillis()))
        .onSuccess(left -> {
          if (left > 0) {
            autoSlowCheck(roomId, left);
          } else if (left < 0) {
            int manual = (int) (-left - 1);
            publish(roomId, RoomNotice.newBuilder().setRoomId(roomId).setSeconds(manual)
                .setKind(manual > 0 ? RoomNoticeKind.SLOW_MODE_ON : RoomNoticeKind.SLOW_MODE_OFF));
          }
        }));
  }

  // ------------------------------------------------------------------ helpers

  private void publish(String roomId, RoomNotice.Builder notice) {
    publish(roomId, Frame.newBuilder().setRoomNotice(notice));
  }

  /** Once per cluster: every node's fan-out receives it and writes to its own members. */
  private void publish(String roomId, Frame.Builder frame) {
    vertx.eventBus().publish(Addresses.ROOM_EVENTS, Buffer.buffer(frame.build().toByteArray()), RoomFanout.to(roomId));
  }

  private <R> Future<R> submit(String roomId, EntryProcessor<String, RoomState, R> op) {
    return Future.fromCompletionStage(states.submitToKey(roomId, op), vertx.getOrCreateContext());
  }

  static boolean moderatorByToken(Principal p) {
    return p.has(Role.MODERATOR) || p.has(Role.SUPERVISOR) || p.has(Role.ADMIN);
  }

  private static Future<Void> roomId(String roomId) {
    if (roomId.isEmpty() || roomId.length() > MAX_ROOM_ID || roomId.chars().anyMatch(Character::isISOControl)) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "room_id must be 1.." + MAX_ROOM_ID + " printable characters");
    }
    return Future.succeededFuture();
  }

  private static String messageId(long now) {
    return Long.toString(now, 36) + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  }

  private static List<RoomMessage> parse(List<byte[]> raw) {
    List<RoomMessage> out = new ArrayList<>(raw.size());
    for (byte[] b : raw) {
      try {
        out.add(RoomMessage.parseFrom(b));
      } catch (InvalidProtocolBufferException e) {
        // written by this code only; skip rather than fail a join
      }
    }
    return out;
  }

  private static Pinned pinned(byte[] raw) {
    try {
      return Pinned.parseFrom(raw);
    } catch (InvalidProtocolBufferException e) {
      return Pinned.getDefaultInstance();
    }
  }

  private static <T> Future<T> refuse(ErrorCode code, String message) {
    return Future.failedFuture(new FrameException(code, message));
  }

  private static Future<Frame.Builder> ok() {
    return Future.succeededFuture(Frame.newBuilder().setOk(Ok.getDefaultInstance()));
  }
}
