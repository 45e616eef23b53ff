package io.livedesk.server.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket spoken byte by byte over a plain socket, for frames no client library will send
 * (a text frame that is not UTF-8). Blocking; every read is bounded by {@link WsClient#TIMEOUT}.
 */
public final class RawWebSocket implements AutoCloseable {

  public static final int TEXT = 0x1;
  private static final int CLOSE = 0x8;

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  /** The server's answer to the upgrade, headers included. */
  private String head;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Completes the upgrade with the token in the Authorization header. */
  public static RawWebSocket open(int port, String token) throws IOException {
    return open(port, token, "");
  }

  /** As {@link #open(int, String)}, with more request header lines (each ending in CRLF). */
  public static RawWebSocket open(int port, String token, String headers) throws IOException {
    return open(port, token, headers, 0);
  }

  /**
   * As {@link #open(int, String, String)}, with the socket's receive buffer set to
   * {@code receiveBufferBytes} before it connects (0: the system's): a client that reads slowly.
   */
  public static RawWebSocket open(int port, String token, String headers, int receiveBufferBytes) throws IOException {
    Socket socket = new Socket();
    if (receiveBufferBytes > 0) {
      socket.setReceiveBufferSize(receiveBufferBytes);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), (int) WsClient.TIMEOUT.toMillis());
    socket.setSoTimeout((int) WsClient.TIMEOUT.toMillis());
    RawWebSocket ws = new RawWebSocket(socket);
    ws.out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + headers + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    String head = ws.readHead();
    ws.head = head;
    if (!head.startsWith("HTTP/1.1 101")) {
      socket.close();
      throw new IOException("not upgraded: " + head);
    }
    return ws;
  }

  private String readHead() throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) in.readUnsignedByte());
    }
    return head.toString();
  }

  /** One final frame with this opcode and payload (up to 65,535 bytes), masked as a client must; one write. */
  public void send(int opcode, byte[] payload) throws IOException {
    if (payload.length > 0xffff) {
      throw new IllegalArgumentException("frames up to a 16-bit length only");
    }
    int header = payload.length > 125 ? 4 : 2;
    byte[] frame = new byte[header + 4 + payload.length];
    frame[0] = (byte) (0x80 | opcode);
    if (header == 4) {
      frame[1] = (byte) (0x80 | 126);
      frame[2] = (byte) (payload.length >>> 8);
      frame[3] = (byte) payload.length;
    } else {
      frame[1] = (byte) (0x80 | payload.length);
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    System.arraycopy(mask, 0, frame, header, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[header + 4 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    out.write(frame);
  }

  public String head() {
    return head;
  }

  /** The server's next frame: its first byte (FIN, RSV1-3, opcode) and its payload. */
  public record ServerFrame(int first, byte[] payload) {
  }

  public ServerFrame readFrame() throws IOException {
    int first = in.readUnsignedByte();
    long length = in.readUnsignedByte() & 0x7f; // server frames are not masked
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    return new ServerFrame(first, payload);
  }

  /** Skips the server's frames until its close frame; returns that frame's code, 1006 when the stream ends without one. */
  public int awaitClose() throws IOException {
    while (true) {
      ServerFrame frame;
      try {
        frame = readFrame();
      } catch (EOFException ended) {
        return 1006;
      }
      int opcode = frame.first() & 0x0f;
      byte[] payload = frame.payload();
      if (opcode == CLOSE) {
        return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
