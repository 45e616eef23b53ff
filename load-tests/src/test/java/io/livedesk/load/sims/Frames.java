package io.livedesk.load.sims;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * The few binary (protobuf) frames the mobile simulation needs, by field number from
 * livedesk.proto, so the simulations need no generated classes (and no reactor build).
 */
final class Frames {

  static final int WELCOME = 11;
  static final int ASK = 40;
  static final int SEND = 42;
  static final int MESSAGE = 43;
  private static final int ASK_TEXT = 1;
  private static final int ASK_CLIENT_MSG_ID = 6;
  private static final int SEND_CONVERSATION_ID = 1;
  private static final int SEND_CLIENT_MSG_ID = 2;
  private static final int SEND_TEXT = 3;
  private static final int MESSAGE_CONVERSATION_ID = 1;
  private static final int MESSAGE_SENDER_ROLE = 5;
  static final int SENDER_ROLE_AGENT = 2;
  static final int SENDER_ROLE_BOT = 3;

  private Frames() {
  }

  /** Frame{id, ask{text, client_msg_id}}. */
  static byte[] ask(String id, String text, String clientMsgId) {
    return frame(id, ASK, body -> {
      body.writeString(ASK_TEXT, text);
      body.writeString(ASK_CLIENT_MSG_ID, clientMsgId);
    });
  }

  /** Frame{id, send{conversation_id, client_msg_id, text}}. */
  static byte[] send(String id, String conversationId, String clientMsgId, String text) {
    return frame(id, SEND, body -> {
      body.writeString(SEND_CONVERSATION_ID, conversationId);
      body.writeString(SEND_CLIENT_MSG_ID, clientMsgId);
      body.writeString(SEND_TEXT, text);
    });
  }

  private interface BodyWriter {
    void write(CodedOutputStream body) throws IOException;
  }

  private static byte[] frame(String id, int bodyField, BodyWriter writer) {
    try {
      ByteArrayOutputStream bodyBytes = new ByteArrayOutputStream();
      CodedOutputStream body = CodedOutputStream.newInstance(bodyBytes);
      writer.write(body);
      body.flush();
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      CodedOutputStream f = CodedOutputStream.newInstance(frame);
      f.writeString(1, id);
      f.writeByteArray(bodyField, bodyBytes.toByteArray());
      f.flush();
      return frame.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The field number of the frame's body (its oneof), 0 when none or unparseable. */
  static int bodyCase(byte[] bytes) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      for (int tag; (tag = in.readTag()) != 0; ) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field >= 10) {
          return field;
        }
        in.skipField(tag);
      }
    } catch (IOException e) {
      return 0;
    }
    return 0;
  }

  /** The sender role of a conversation message frame ({@link #SENDER_ROLE_AGENT}, ...), 0 for any other frame. */
  static int messageSenderRole(byte[] bytes) {
    Integer role = (Integer) messageField(bytes, MESSAGE_SENDER_ROLE);
    return role == null ? 0 : role;
  }

  /** The conversation id of a conversation message frame, "" for any other frame. */
  static String messageConversationId(byte[] bytes) {
    String id = (String) messageField(bytes, MESSAGE_CONVERSATION_ID);
    return id == null ? "" : id;
  }

  /** One field of the frame's ConversationMessage body (an enum as Integer, a string as String), or null. */
  private static Object messageField(byte[] bytes, int wanted) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      for (int tag; (tag = in.readTag()) != 0; ) {
        if (WireFormat.getTagFieldNumber(tag) == MESSAGE) {
          CodedInputStream msg = CodedInputStream.newInstance(in.readByteArray());
          for (int t; (t = msg.readTag()) != 0; ) {
            if (WireFormat.getTagFieldNumber(t) == wanted) {
              return WireFormat.getTagWireType(t) == WireFormat.WIRETYPE_VARINT ? (Object) msg.readEnum() : msg.readStringRequireUtf8();
            }
            msg.skipField(t);
          }
          return null;
        }
        in.skipField(tag);
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }
}
