package io.livedesk.server.gateway;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.FrameCodec;
import io.livedesk.protocol.RoomMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A frame for many sockets is framed for the WebSocket once, by hand: what a client's decoder reads
 * from it must be the frame, at each of the three length forms (7-bit, 16-bit, 64-bit), in both
 * encodings, however many sockets write it.
 */
class FramedOnceTest {

  @ParameterizedTest
  @ValueSource(ints = {10, 125, 126, 65_535, 65_536, 100_000})
  void aClientReadsTheFrameFramedOnceAtEveryLengthInBothEncodings(int textLength) {
    Frame frame = Frame.newBuilder().setRoomMessage(RoomMessage.newBuilder().setRoomId("r").setText("x".repeat(textLength))).build();
    Outgoing out = Outgoing.toMany(frame);
    for (int socket = 0; socket < 3; socket++) {
      WebSocketFrame text = decoded(out.wire(true));
      assertInstanceOf(TextWebSocketFrame.class, text);
      assertEquals(FrameCodec.toJson(frame), ((TextWebSocketFrame) text).text());
      text.release();
      WebSocketFrame binary = decoded(out.wire(false));
      assertInstanceOf(BinaryWebSocketFrame.class, binary);
      byte[] bytes = new byte[binary.content().readableBytes()];
      binary.content().readBytes(bytes);
      assertArrayEquals(FrameCodec.toBinary(frame), bytes);
      binary.release();
    }
  }

  /** What a client reads: Netty's decoder on the client side (server frames are unmasked). */
  private static WebSocketFrame decoded(ByteBuf wire) {
    EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(WebSocketDecoderConfig.newBuilder()
        .expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
    assertTrue(client.writeInbound(wire));
    WebSocketFrame f = client.readInbound();
    assertTrue(f.isFinalFragment());
    client.finishAndReleaseAll();
    return f;
  }
}
