package io.livedesk.server.push;

import io.livedesk.server.store.EmbeddedStore;
import io.livedesk.server.store.Store;
import io.livedesk.server.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which stored campaigns the scheduler sends, and when. */
class CampaignSchedulingTest {

  private static final Vertx vertx = Vertx.vertx();
  private static EmbeddedStore embedded;
  private static Store store;
  private static CampaignStore campaigns;

  @BeforeAll
  static void start() throws Exception {
    embedded = EmbeddedStore.start(Path.of(TestNodes.tempDir()), 0);
    store = new Store(vertx, embedded.uri(), "livedesk");
    campaigns = new CampaignStore(store);
  }

  @AfterAll
  static void stop() throws Exception {
    store.close();
    embedded.close();
    vertx.close();
  }

  @Test
  void aCampaignDueAtOnceIsLeftToTheNodeSendingItAndTakenOverIfThatNodeNeverDoes() throws Exception {
    long now = System.currentTimeMillis();
    Campaign c = insert("now-" + now, new JsonObject(), now);
    assertFalse(dueIds(now).contains(c.id()), "a scheduler round right after the insert leaves it to its node");
    assertTrue(dueIds(now + CampaignStore.ORPHAN_AFTER_MS).contains(c.id()), "an orphan is sent by the scheduler");
  }

  @Test
  void aCampaignForLaterIsDueAtItsTime() throws Exception {
    long now = System.currentTimeMillis();
    long at = now + 60_000;
    Campaign c = insert("later-" + now, new JsonObject().put("at", at), now);
    assertFalse(dueIds(at - 1).contains(c.id()));
    assertTrue(dueIds(at).contains(c.id()));
  }

  private static Campaign insert(String id, JsonObject body, long now) throws Exception {
    body.put("prompt", new JsonObject().put("text", new JsonObject().put("en", "hello")));
    return campaigns.insert(Campaign.parse(id, body, "admin", now)).await(10, TimeUnit.SECONDS);
  }

  private static List<String> dueIds(long now) throws Exception {
    return campaigns.due(now).await(10, TimeUnit.SECONDS).stream().map(Campaign::id).toList();
  }
}
