package io.livedesk.server.routing;

import com.google.protobuf.InvalidProtocolBufferException;
import io.livedesk.protocol.AgentStatus;
import io.livedesk.protocol.Conversation;
import io.livedesk.protocol.PresenceStatus;
import io.livedesk.server.routing.DispatchMessage.Accept;
import io.livedesk.server.routing.DispatchMessage.Assign;
import io.livedesk.server.routing.DispatchMessage.Assigned;
import io.livedesk.server.routing.DispatchMessage.Closed;
import io.livedesk.server.routing.DispatchMessage.Consoles;
import io.livedesk.server.routing.DispatchMessage.Decline;
import io.livedesk.server.routing.DispatchMessage.Done;
import io.livedesk.server.routing.DispatchMessage.Enqueue;
import io.livedesk.server.routing.DispatchMessage.Heartbeat;
import io.livedesk.server.routing.DispatchMessage.SetStatus;
import io.livedesk.server.routing.DispatchMessage.StatusNow;
import io.livedesk.server.routing.DispatchMessage.Transfer;
import io.livedesk.server.routing.DispatchMessage.Watch;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one codec of {@link DispatchMessage}s: JSON between nodes (a type name and the record's
 * fields; protobuf values as base64), the record itself within a node (records are immutable).
 */
public final class DispatchCodec implements MessageCodec<DispatchMessage, DispatchMessage> {

  public static final String NAME = "livedesk.dispatch";

  /** Registers the codec on the event bus once; every node needs it, sender and dispatcher alike. */
  public static void register(EventBus bus) {
    try {
      bus.registerCodec(new DispatchCodec());
    } catch (IllegalStateException alreadyThere) {
      // the node's other user registered it first
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, DispatchMessage m) {
    Buffer json = toJson(m).toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public DispatchMessage decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return fromJson(new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length)));
  }

  @Override
  public DispatchMessage transform(DispatchMessage m) {
    return m;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  static JsonObject toJson(DispatchMessage m) {
    JsonObject j = new JsonObject().put("type", m.getClass().getSimpleName());
    if (m instanceof Enqueue e) {
      j.put("entry", e.entry().toJson());
    } else if (m instanceof Closed c) {
      j.put("conversationId", c.conversationId());
    } else if (m instanceof Accept a) {
      j.put("agentId", a.agentId()).put("offerId", a.offerId()).put("conversationId", a.conversationId());
    } else if (m instanceof Decline d) {
      j.put("agentId", d.agentId()).put("offerId", d.offerId());
    } else if (m instanceof Transfer t) {
      j.put("conversationId", t.conversationId()).put("fromAgent", t.fromAgent()).put("toAgent", t.toAgent());
    } else if (m instanceof Assign a) {
      j.put("conversationId", a.conversationId()).put("agentId", a.agentId());
    } else if (m instanceof SetStatus s) {
      j.put("agentId", s.agentId()).put("status", s.status().name()).put("capacity", s.capacity())
          .put("skills", new JsonArray(new ArrayList<>(s.skills()))).put("name", s.name()).put("node", s.node())
          .put("consoles", s.consoles());
    } else if (m instanceof Consoles c) {
      j.put("agentId", c.agentId()).put("node", c.node()).put("count", c.count());
    } else if (m instanceof Heartbeat h) {
      j.put("node", h.node()).put("consoles", new JsonObject(new HashMap<>(h.consoles())));
    } else if (m instanceof Watch w) {
      j.put("supervisorId", w.supervisorId()).put("on", w.on());
    } else if (m instanceof Assigned a) {
      j.put("conversation", base64(a.conversation().toByteArray()));
    } else if (m instanceof StatusNow s) {
      j.put("status", base64(s.status().toByteArray()));
    }
    return j;
  }

  static DispatchMessage fromJson(JsonObject j) {
    String type = j.getString("type", "");
    return switch (type) {
      case "Enqueue" -> new Enqueue(Waiting.fromJson(j.getJsonObject("entry")));
      case "Closed" -> new Closed(j.getString("conversationId"));
      case "Accept" -> new Accept(j.getString("agentId"), j.getString("offerId", ""), j.getString("conversationId", ""));
      case "Decline" -> new Decline(j.getString("agentId"), j.getString("offerId", ""));
      case "Transfer" -> new Transfer(j.getString("conversationId"), j.getString("fromAgent"), j.getString("toAgent", ""));
      case "Assign" -> new Assign(j.getString("conversationId"), j.getString("agentId"));
      case "SetStatus" -> {
        List<String> skills = new ArrayList<>();
        j.getJsonArray("skills", new JsonArray()).forEach(s -> skills.add(s.toString()));
        yield new SetStatus(j.getString("agentId"), PresenceStatus.valueOf(j.getString("status")), j.getInteger("capacity", 0),
            skills, j.getString("name"), j.getString("node"), j.getInteger("consoles", 1));
      }
      case "Consoles" -> new Consoles(j.getString("agentId"), j.getString("node"), j.getInteger("count", 0));
      case "Heartbeat" -> {
        Map<String, Integer> consoles = new HashMap<>();
        j.getJsonObject("consoles", new JsonObject()).forEach(e -> consoles.put(e.getKey(), ((Number) e.getValue()).intValue()));
        yield new Heartbeat(j.getString("node"), consoles);
      }
      case "Watch" -> new Watch(j.getString("supervisorId"), j.getBoolean("on", true));
      case "Done" -> new Done();
      case "Assigned" -> new Assigned(parse(() -> Conversation.parseFrom(unbase64(j.getString("conversation")))));
      case "StatusNow" -> new StatusNow(parse(() -> AgentStatus.parseFrom(unbase64(j.getString("status")))));
      default -> throw new IllegalArgumentException("not a dispatch message: " + type);
    };
  }

  private interface Parse<T> {
    T parse() throws InvalidProtocolBufferException;
  }

  private static <T> T parse(Parse<T> p) {
    try {
      return p.parse();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("corrupt dispatch message", e);
    }
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static byte[] unbase64(String s) {
    return Base64.getDecoder().decode(s == null ? "" : s);
  }
}
