package io.livedesk.server.gateway;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.livedesk.protocol.AcceptOffer;
import io.livedesk.protocol.AgentStatus;
import io.livedesk.protocol.Ask;
import io.livedesk.protocol.Assign;
import io.livedesk.protocol.Claim;
import io.livedesk.protocol.CloseConversation;
import io.livedesk.protocol.ConversationCursor;
import io.livedesk.protocol.DeclineOffer;
import io.livedesk.protocol.ErrorCode;
import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Hello;
import io.livedesk.protocol.HistoryRequest;
import io.livedesk.protocol.JoinRoom;
import io.livedesk.protocol.LeaveRoom;
import io.livedesk.protocol.Moderate;
import io.livedesk.protocol.ModerationAction;
import io.livedesk.protocol.Pin;
import io.livedesk.protocol.Ping;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.protocol.PushOpened;
import io.livedesk.protocol.Rate;
import io.livedesk.protocol.Read;
import io.livedesk.protocol.RefreshToken;
import io.livedesk.protocol.Resume;
import io.livedesk.protocol.RoomHistoryRequest;
import io.livedesk.protocol.Say;
import io.livedesk.protocol.Send;
import io.livedesk.protocol.Signal;
import io.livedesk.protocol.SupervisorWatch;
import io.livedesk.protocol.Transfer;
import io.livedesk.protocol.Typing;
import io.livedesk.server.Node;
import io.livedesk.server.auth.Role;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every frame type a client can send, against every role: FORBIDDEN exactly where the product's
 * rules say the role may not send it, and any other answer (an Ok, a NOT_FOUND for the made-up
 * ids used here, an INVALID_ARGUMENT) where it may. The table below is written from the rules,
 * not read from the router:
 * <ul>
 * <li>everyone: the session frames, room join/leave/say/history, claims, push_opened, signals,
 *     and resume/history/close, which the conversation itself then limits to its participants
 *     (and supervisors and admins);</li>
 * <li>viewers and customers: ask, and in their own conversations send, typing, read, rate (a
 *     viewer who asks becomes that conversation's customer);</li>
 * <li>agents: agent_status, accept, decline, transfer, and send, typing, read in conversations
 *     assigned to them;</li>
 * <li>moderators, supervisors and admins: pin and moderation; granting and revoking room
 *     moderators is for admins alone;</li>
 * <li>supervisors and admins: supervisor_watch and assign.</li>
 * </ul>
 * Frames only the server sends are UNKNOWN_TYPE for everyone, and a second hello is
 * ALREADY_AUTHENTICATED.
 */
class AuthorizationMatrixTest {

  private static final String NO_CONVERSATION = "matrix-no-such-conversation";
  private static final String ROOM = "matrix-room";
  private static final String MODERATED_ROOM = "matrix-moderated-room";

  private static final Set<Role> EVERYONE = EnumSet.allOf(Role.class);
  private static final Set<Role> ASKERS = EnumSet.of(Role.VIEWER, Role.CUSTOMER);
  private static final Set<Role> CHATTERS = EnumSet.of(Role.VIEWER, Role.CUSTOMER, Role.AGENT);
  private static final Set<Role> AGENTS = EnumSet.of(Role.AGENT);
  private static final Set<Role> MODERATORS = EnumSet.of(Role.MODERATOR, Role.SUPERVISOR, Role.ADMIN);
  private static final Set<Role> SUPERVISORS = EnumSet.of(Role.SUPERVISOR, Role.ADMIN);
  private static final Set<Role> ADMINS = EnumSet.of(Role.ADMIN);

  /** One client frame (built for the role sending it) and the roles that may send it. */
  private record Row(String name, Function<Role, Frame.Builder> frame, Set<Role> allowed) {
  }

  private static final List<Row> CLIENT_FRAMES = List.of(
      row("hello again", r -> Frame.newBuilder().setHello(Hello.newBuilder().setToken(token(r))), EVERYONE),
      row("ping", Frame.newBuilder().setPing(Ping.newBuilder().setClientTime(1)), EVERYONE),
      row("refresh_token", r -> Frame.newBuilder().setRefreshToken(RefreshToken.newBuilder().setToken(token(r))), EVERYONE),
      row("resume", Frame.newBuilder().setResume(Resume.newBuilder().addCursors(
          ConversationCursor.newBuilder().setConversationId(NO_CONVERSATION))), EVERYONE),
      row("join_room", Frame.newBuilder().setJoinRoom(JoinRoom.newBuilder().setRoomId(ROOM)), EVERYONE),
      row("say", Frame.newBuilder().setSay(Say.newBuilder().setRoomId(ROOM).setText("hello room").setClientMsgId("s1")), EVERYONE),
      row("room_history", Frame.newBuilder().setRoomHistory(RoomHistoryRequest.newBuilder().setRoomId(ROOM)), EVERYONE),
      row("leave_room", Frame.newBuilder().setLeaveRoom(LeaveRoom.newBuilder().setRoomId(ROOM)), EVERYONE),
      row("pin", Frame.newBuilder().setPin(Pin.newBuilder().setRoomId(MODERATED_ROOM).setAnnouncement("sale at 8")), MODERATORS),
      moderate(ModerationAction.MUTE, MODERATORS),
      moderate(ModerationAction.UNMUTE, MODERATORS),
      moderate(ModerationAction.BAN, MODERATORS),
      moderate(ModerationAction.UNBAN, MODERATORS),
      moderate(ModerationAction.DELETE_MESSAGE, MODERATORS),
      moderate(ModerationAction.SET_SLOW_MODE, MODERATORS),
      moderate(ModerationAction.GRANT_MODERATOR, ADMINS),
      moderate(ModerationAction.REVOKE_MODERATOR, ADMINS),
      row("ask", Frame.newBuilder().setAsk(Ask.newBuilder().setText("when will my order ship")), ASKERS),
      row("send", Frame.newBuilder().setSend(Send.newBuilder().setConversationId(NO_CONVERSATION)
          .setClientMsgId("m1").setText("hi")), CHATTERS),
      row("typing", Frame.newBuilder().setTyping(Typing.newBuilder().setConversationId(NO_CONVERSATION).setTyping(true)), CHATTERS),
      row("read", Frame.newBuilder().setRead(Read.newBuilder().setConversationId(NO_CONVERSATION).setSeq(1)), CHATTERS),
      row("rate", Frame.newBuilder().setRate(Rate.newBuilder().setConversationId(NO_CONVERSATION).setStars(5)), ASKERS),
      row("close", Frame.newBuilder().setClose(CloseConversation.newBuilder().setConversationId(NO_CONVERSATION)), EVERYONE),
      row("history", Frame.newBuilder().setHistory(HistoryRequest.newBuilder().setConversationId(NO_CONVERSATION)), EVERYONE),
      row("transfer", Frame.newBuilder().setTransfer(Transfer.newBuilder().setConversationId(NO_CONVERSATION)
          .setToAgentId("matrix-other-agent")), AGENTS),
      // Offline: the matrix's agent must never be offered a real conversation.
      row("agent_status", Frame.newBuilder().setAgentStatus(AgentStatus.newBuilder().setStatus(PresenceStatus.OFFLINE)), AGENTS),
      row("accept", Frame.newBuilder().setAccept(AcceptOffer.newBuilder().setOfferId("no-such-offer")
          .setConversationId(NO_CONVERSATION)), AGENTS),
      row("decline", Frame.newBuilder().setDecline(DeclineOffer.newBuilder().setOfferId("no-such-offer")), AGENTS),
      row("claim", Frame.newBuilder().setClaim(Claim.newBuilder().setCampaignId("no-such-campaign")), EVERYONE),
      // Without a campaign id or a kind these are answered (INVALID_ARGUMENT); valid ones get no answer at all.
      row("push_opened", Frame.newBuilder().setPushOpened(PushOpened.getDefaultInstance()), EVERYONE),
      row("signal", Frame.newBuilder().setSignal(Signal.getDefaultInstance()), EVERYONE),
      row("supervisor_watch", Frame.newBuilder().setSupervisorWatch(SupervisorWatch.newBuilder().setOn(false)), SUPERVISORS),
      row("assign", Frame.newBuilder().setAssign(Assign.newBuilder().setConversationId(NO_CONVERSATION)
          .setAgentId("matrix-other-agent")), SUPERVISORS));

  /** Frame types only the server sends. */
  private static final Set<Frame.BodyCase> SERVER_ONLY = EnumSet.of(
      Frame.BodyCase.WELCOME, Frame.BodyCase.TOKEN_REFRESHED, Frame.BodyCase.PONG, Frame.BodyCase.RESUMED,
      Frame.BodyCase.ROOM_JOINED, Frame.BodyCase.ROOM_MESSAGE, Frame.BodyCase.ROOM_BATCH, Frame.BodyCase.VIEWER_COUNT,
      Frame.BodyCase.PINNED, Frame.BodyCase.ROOM_NOTICE, Frame.BodyCase.ROOM_HISTORY_PAGE, Frame.BodyCase.CONVERSATION,
      Frame.BodyCase.MESSAGE, Frame.BodyCase.ACK, Frame.BodyCase.HISTORY_PAGE, Frame.BodyCase.OFFER,
      Frame.BodyCase.OFFER_WITHDRAWN, Frame.BodyCase.PUSH, Frame.BodyCase.CLAIM_RESULT, Frame.BodyCase.SUPERVISOR_VIEW,
      Frame.BodyCase.SLA_ALERT, Frame.BodyCase.ERROR, Frame.BodyCase.OK);

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static final Map<Role, WsClient> sessions = new EnumMap<>(Role.class);
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start(Map.of("gateway.maxBadFrames", 10_000, "gateway.framesPerSecond", 1000,
        "gateway.frameBurst", 1000, "gateway.userFramesPerSecond", 1000, "gateway.userFrameBurst", 1000));
    for (Role role : Role.values()) {
      sessions.put(role, WsClient.connect(node.port(), token(role)));
    }
  }

  @AfterAll
  static void stop() {
    sessions.values().forEach(WsClient::close);
    nodes.close();
    client.close();
  }

  @Test
  void theTableCoversEveryFrameType() {
    Set<Frame.BodyCase> covered = EnumSet.copyOf(SERVER_ONLY);
    CLIENT_FRAMES.forEach(r -> covered.add(r.frame().apply(Role.ADMIN).getBodyCase()));
    Set<Frame.BodyCase> missing = EnumSet.complementOf(EnumSet.copyOf(covered));
    missing.remove(Frame.BodyCase.BODY_NOT_SET);
    assertTrue(missing.isEmpty(), "frame types missing from the authorization table: " + missing);
  }

  @TestFactory
  Stream<DynamicTest> eachRoleIsForbiddenExactlyTheFramesItMayNotSend() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Role role : Role.values()) {
      for (Row row : CLIENT_FRAMES) {
        boolean allowed = row.allowed().contains(role);
        tests.add(DynamicTest.dynamicTest(role.claim() + (allowed ? " may send " : " may not send ") + row.name(), () -> {
          Frame reply = sessions.get(role).request(row.frame().apply(role));
          ErrorCode code = reply.hasError() ? reply.getError().getCode() : ErrorCode.ERROR_CODE_UNSPECIFIED;
          if (allowed) {
            assertNotEquals(ErrorCode.FORBIDDEN, code, () -> role.claim() + " was refused " + row.name() + ": " + reply);
            assertNotEquals(ErrorCode.INTERNAL, code, () -> row.name() + " failed inside the server: " + reply);
          } else {
            assertEquals(ErrorCode.FORBIDDEN, code, () -> role.claim() + " was not refused " + row.name() + ": " + reply);
          }
        }));
      }
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> framesOnlyTheServerSendsAreUnknownTypesForEveryRole() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Role role : Role.values()) {
      for (Frame.BodyCase type : SERVER_ONLY) {
        tests.add(DynamicTest.dynamicTest(role.claim() + " sends " + type.name().toLowerCase(), () -> {
          Frame reply = sessions.get(role).request(withEmptyBody(type));
          assertEquals(ErrorCode.UNKNOWN_TYPE, reply.getError().getCode(), reply::toString);
        }));
      }
    }
    return tests.stream();
  }

  private static Row row(String name, Frame.Builder frame, Set<Role> allowed) {
    Frame built = frame.build();
    return new Row(name, r -> built.toBuilder(), allowed);
  }

  private static Row row(String name, Function<Role, Frame.Builder> frame, Set<Role> allowed) {
    return new Row(name, frame, allowed);
  }

  private static Row moderate(ModerationAction action, Set<Role> allowed) {
    return row("moderate " + action.name().toLowerCase(), Frame.newBuilder().setModerate(Moderate.newBuilder()
        .setRoomId(MODERATED_ROOM).setAction(action).setUserId("matrix-target").setMessageId("matrix-message")
        .setDurationSeconds(action == ModerationAction.SET_SLOW_MODE ? 0 : 60)), allowed);
  }

  private static Frame.Builder withEmptyBody(Frame.BodyCase type) {
    FieldDescriptor field = Frame.getDescriptor().findFieldByNumber(type.getNumber());
    Frame.Builder b = Frame.newBuilder();
    return b.setField(field, b.newBuilderForField(field).build());
  }

  private static String token(Role role) {
    return Tokens.of("matrix-" + role.claim(), role.claim());
  }
}
