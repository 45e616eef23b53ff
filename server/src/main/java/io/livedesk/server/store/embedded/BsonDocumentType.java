package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import java.nio.ByteBuffer;

/**
 * The value type of the store's journaled maps: a document is written as its BSON (what the wire
 * already speaks), anything else, and a document BSON cannot hold, as H2's {@link ObjectDataType}
 * writes it. ObjectDataType wrote every document with Java serialization: an ObjectOutputStream
 * per document, class descriptors in every value, and three to four times the bytes. Each commit
 * wrote every document of a changed page that way, and the journal each changed document: at
 * 500 messages/s it was a sixth of the server's allocation and most of H2's serialization thread.
 *
 * <p>A BSON value starts with {@link #TAG_BSON}, a tag ObjectDataType does not use, so a store
 * file written before reads on: its values keep their old form until they are written again. A
 * file written by this type cannot be read by a build without it.
 */
final class BsonDocumentType extends BasicDataType<Object> {

  /** Between ObjectDataType's last type id (19, a serialized object) and its first tag (32). */
  static final byte TAG_BSON = 30;

  private static final int MAX_KEPT_BUFFER = 64 * 1024;
  private static final ThreadLocal<ByteBuf> ENCODING = ThreadLocal.withInitial(() -> Unpooled.buffer(512));

  private final ObjectDataType others = new ObjectDataType();
  /** An estimate of a document's bytes in memory, for H2's cache and its unsaved-memory accounting. */
  private volatile int averageMemory = 1_024;

  @Override
  public void write(WriteBuffer buffer, Object value) {
    if (value instanceof Document document) {
      ByteBuf bson = ENCODING.get().clear();
      if (encodes(document, bson)) {
        int length = bson.readableBytes();
        buffer.put(TAG_BSON).putVarInt(length).put(bson.array(), bson.arrayOffset(), length);
        averageMemory = (int) ((length * 3L + 15L * averageMemory) / 16);
        if (bson.capacity() > MAX_KEPT_BUFFER) {
          ENCODING.remove(); // one large document does not keep its buffer for the thread's life
        }
        return;
      }
    }
    others.write(buffer, value);
  }

  /** False, with {@code out} in any state, for a value BSON has no type for (then Java serialization keeps it). */
  private static boolean encodes(Document document, ByteBuf out) {
    try {
      BsonEncoder.encodeDocument(document, out);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public Object read(ByteBuffer buffer) {
    if (buffer.get(buffer.position()) != TAG_BSON) {
      return others.read(buffer);
    }
    buffer.get();
    int length = DataUtils.readVarInt(buffer);
    int start = buffer.position();
    buffer.position(start + length);
    return BsonDecoder.decodeBson(Unpooled.wrappedBuffer(buffer.slice(start, length)));
  }

  @Override
  public int getMemory(Object value) {
    return value instanceof Document ? averageMemory : others.getMemory(value);
  }

  @Override
  public int compare(Object a, Object b) {
    return others.compare(a, b);
  }

  @Override
  public Object[] createStorage(int size) {
    return new Object[size];
  }
}
