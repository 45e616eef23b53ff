package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Decimal128;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.DataType;
import org.h2.mvstore.type.ObjectDataType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store's value type: documents as BSON, what a store file written before it holds still read. */
class BsonDocumentTypeTest {

  private final BsonDocumentType type = new BsonDocumentType();

  private static Document everyType() {
    return new Document("_id", "c-1:00000042").append("text", "grüße 👋").append("seq", 42).append("at", 1_764_000_000_123L)
        .append("largest", Long.MAX_VALUE).append("score", -0.5).append("open", true).append("none", null)
        .append("oid", new ObjectId()).append("when", Instant.ofEpochMilli(1_764_000_000_123L))
        .append("uuid", UUID.randomUUID()).append("bin", new BinData(new byte[] {1, 2, 3}))
        .append("dec", new Decimal128(1L, 2L)).append("ts", new BsonTimestamp(7L))
        .append("tags", List.of("vip", 3, List.of())).append("nested", new Document("a", new Document("b", List.of(new Document("c", 1)))));
  }

  private static Object roundTrip(DataType<Object> writer, DataType<Object> reader, Object value) {
    WriteBuffer buffer = new WriteBuffer();
    writer.write(buffer, value);
    writer.write(buffer, "after"); // the read must end where the value ends
    ByteBuffer read = buffer.getBuffer().flip();
    Object back = reader.read(read);
    assertEquals("after", reader.read(read));
    return back;
  }

  @Test
  void aDocumentIsWrittenAsBsonAndReadsBackEqual() {
    Document doc = everyType();
    WriteBuffer buffer = new WriteBuffer();
    type.write(buffer, doc);
    assertEquals(BsonDocumentType.TAG_BSON, buffer.getBuffer().get(0));
    assertEquals(doc, roundTrip(type, type, doc));
  }

  @Test
  void valuesWrittenBeforeAsJavaSerializationStillRead() {
    ObjectDataType before = new ObjectDataType();
    Document doc = new Document("_id", "c-1").append("seq", 3).append("nested", new Document("a", List.of(1, "two")));
    assertEquals(doc, roundTrip(before, type, doc));
    assertEquals(12L, roundTrip(before, type, 12L));
    assertEquals("meta", roundTrip(before, type, "meta"));
  }

  @Test
  void aDocumentBsonCannotHoldKeepsItsValueThroughJavaSerialization() {
    Document doc = new Document("_id", "x").append("small", (short) 3).append("seq", 1);
    Object back = roundTrip(type, type, doc);
    assertEquals(doc, back);
    assertTrue(((Document) back).get("small") instanceof Short);
  }

  @Test
  void aLargeDocumentRoundTrips() {
    Document doc = new Document("_id", "big").append("text", "x".repeat(300_000));
    assertEquals(doc, roundTrip(type, type, doc));
    assertEquals(new Document("_id", "small"), roundTrip(type, type, new Document("_id", "small")));
  }
}
