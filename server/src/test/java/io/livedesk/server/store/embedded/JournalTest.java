package io.livedesk.server.store.embedded;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal alone, over in-memory MVStores: what a replay rebuilds from segments as a crash
 * can leave them.
 */
class JournalTest {

  @Test
  void aSegmentCutAnywhereReplaysExactlyTheChangesBeforeTheCut(@TempDir Path dir) throws Exception {
    Opened live = Opened.from(dir);
    Journal journal = live.journal();
    MVMap<Object, Object> docs = live.map("databases.db.docs");
    MVMap<Object, Object> meta = live.map("meta.db.docs");
    // the state after each change, to compare every prefix with
    List<Map<Object, Object>> states = new ArrayList<>();
    states.add(new TreeMap<>());
    Random random = new Random(7);
    for (int i = 0; i < 60; i++) {
      String key = "k" + random.nextInt(12);
      if (random.nextInt(4) == 0 && docs.containsKey(key)) {
        docs.remove(key);
      } else {
        docs.put(key, "value " + i + " " + "x".repeat(random.nextInt(40)));
      }
      states.add(new TreeMap<>(docs));
    }
    meta.put("dataSize", 123L); // a second map: its change must land in it, not in docs
    journal.sync();
    byte[] whole = Files.readAllBytes(onlySegment(dir));

    int[] recordEnds = recordEnds(whole);
    assertEquals(61, recordEnds.length, "one record per change");
    // every record's end, the bytes either side of it, and a cut inside each record's header and payload
    java.util.TreeSet<Integer> cuts = new java.util.TreeSet<>(List.of(0, 1, whole.length));
    int start = 0;
    for (int end : recordEnds) {
      cuts.addAll(List.of(start + 3, start + 8, start + 9, start + 8 + random.nextInt(end - start - 8), end - 1, end));
      start = end;
    }
    for (int cut : cuts) {
      Path crashed = Files.createTempDirectory(dir, "cut");
      Files.write(crashed.resolve(onlySegment(dir).getFileName()), java.util.Arrays.copyOf(whole, cut));
      Opened reopened = Opened.from(crashed);
      int complete = 0;
      while (complete < recordEnds.length && recordEnds[complete] <= cut) {
        complete++;
      }
      assertEquals(complete, reopened.changes(), "changes replayed from the first " + cut + " bytes");
      Map<Object, Object> expected = states.get(Math.min(complete, states.size() - 1));
      assertEquals(expected, new TreeMap<>(reopened.map("databases.db.docs")), "state after a cut at " + cut);
      assertEquals(complete == recordEnds.length ? 123L : null, reopened.map("meta.db.docs").get("dataSize"));
      reopened.journal().close();
    }
  }

  @Test
  void aCheckpointDeletesTheSegmentsItCoversAndTheJournalGoesOnInANewOne(@TempDir Path dir) throws Exception {
    Opened live = Opened.from(dir);
    Journal journal = live.journal();
    MVMap<Object, Object> docs = live.map("databases.db.docs");
    docs.put("a", "1");
    journal.sync();
    long next = journal.rotate();
    docs.put("b", "2");
    journal.sync();
    journal.checkpointed(next);
    List<Path> left = segments(dir);
    assertEquals(1, left.size(), "only the segment begun at the checkpoint is left: " + left);

    // replayed alone, the segment after the checkpoint holds only what came after it
    Opened reopened = Opened.from(dir);
    assertEquals(1, reopened.changes());
    assertEquals(Map.of("b", "2"), new TreeMap<>(reopened.map("databases.db.docs")));
    assertTrue(reopened.journal().segmentNumber() > next, "numbering goes on after the segments found");
  }

  /** An in-memory store with the journal kept in a directory, replayed as the embedded store opens. */
  private record Opened(Journal journal, MVStore store, long changes) {

    static Opened from(Path dir) {
      Journal journal = Journal.in(dir);
      MVStore store = MVStore.open(null);
      long changes = journal.replay(name -> store.openMap(name, new JournaledMap.Builder<>(journal)));
      return new Opened(journal, store, changes);
    }

    MVMap<Object, Object> map(String name) {
      return store.openMap(name, new JournaledMap.Builder<>(journal));
    }
  }

  /** Where each record ends, read from the length in its header. */
  private static int[] recordEnds(byte[] segment) {
    List<Integer> ends = new ArrayList<>();
    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(segment);
    while (bytes.remaining() >= 8) {
      int length = bytes.getInt(bytes.position());
      int end = bytes.position() + 8 + length;
      ends.add(end);
      bytes.position(end);
    }
    return ends.stream().mapToInt(Integer::intValue).toArray();
  }

  private static Path onlySegment(Path dir) throws Exception {
    List<Path> segments = segments(dir);
    assertEquals(1, segments.size(), segments.toString());
    return segments.get(0);
  }

  private static List<Path> segments(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("journal-")).toList();
    }
  }
}
