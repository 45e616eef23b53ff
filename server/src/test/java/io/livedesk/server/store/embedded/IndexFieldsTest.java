package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The quick index key equals mongo-java-server's own wherever it answers, and leaves the rest to it. */
class IndexFieldsTest {

  /** mongo-java-server's general key computation, as its Index has it. */
  private static final class General extends Index<Object> {
    General(List<IndexKey> keys) {
      super("general", keys, false);
    }
    @Override public Object getPosition(Document document) { return null; }
    @Override public void checkAdd(Document document, MongoCollection<Object> collection) { }
    @Override public void add(Document document, Object position, MongoCollection<Object> collection) { }
    @Override public Object remove(Document document) { return null; }
    @Override public boolean canHandle(Document query) { return false; }
    @Override public Iterable<Object> getPositions(Document query) { return List.of(); }
    @Override public long getCount() { return 0; }
    @Override public long getDataSize() { return 0; }
    @Override public void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<Object> collection) { }
    @Override public void updateInPlace(Document oldDocument, Document newDocument, Object position, MongoCollection<Object> collection) { }
    @Override public void drop() { }
  }

  private static final List<IndexKey> KEYS = List.of(new IndexKey("customerId", true), new IndexKey("seq", false),
      new IndexKey("at", true));

  @Test
  void scalarsGiveTheKeyMongoJavaServerGives() {
    IndexFields fields = new IndexFields(KEYS);
    General general = new General(KEYS);
    List<Document> docs = List.of(
        new Document("customerId", "c1").append("seq", 3).append("at", 17L),
        new Document("customerId", "c1").append("seq", 3L).append("at", 17.0),
        new Document("customerId", null).append("seq", -0.0),
        new Document("seq", Long.MAX_VALUE).append("at", (1L << 53) + 1),
        new Document("customerId", true).append("seq", 2.5f).append("at", Integer.MIN_VALUE),
        new Document("other", "x"));
    for (Document doc : docs) {
      Set<KeyValue> quick = fields.keyOf(doc);
      assertEquals(general.getKeyValues(doc), quick, doc.toString());
      assertFalse(fields.holdsArray(doc));
    }
    // numbers of one value are one key, whatever their Java type, as upstream's null-aware comparison has it
    assertEquals(fields.keyOf(docs.get(0)), fields.keyOf(docs.get(1)));
    assertEquals(Boolean.TRUE, fields.sameKey(docs.get(0), docs.get(1).append("text", "changed")));
    assertEquals(Boolean.TRUE, fields.sameKey(new Document("customerId", null), new Document("other", 1)));
    assertEquals(Boolean.FALSE, fields.sameKey(docs.get(0), docs.get(2)));
    assertNull(fields.sameKey(docs.get(0), new Document("customerId", List.of("c1"))));
  }

  @Test
  void arraysSubdocumentsAndPathsGoTheGeneralWay() {
    IndexFields fields = new IndexFields(KEYS);
    Document withArray = new Document("customerId", List.of("a", "b")).append("seq", 1);
    assertNull(fields.keyOf(withArray));
    assertTrue(fields.holdsArray(withArray));
    assertNull(fields.keyOf(new Document("customerId", new Document("a", 1))));
    IndexFields dotted = new IndexFields(List.of(new IndexKey("customer.id", true)));
    assertNull(dotted.keyOf(new Document("customer", new Document("id", "c1"))));
    assertTrue(dotted.holdsArray(new Document("customer", new Document("id", List.of(1, 2)))));
  }
}
