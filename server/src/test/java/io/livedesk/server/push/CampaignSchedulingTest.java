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

  @Test
  void aCampaignIsSentByOneNodeAndTakenOverOnlyIfThatNodeDoesNotFinishInTime() throws Exception {
    long now = System.currentTimeMillis();
    Campaign c = insert("sending-" + now, new JsonObject(), now);
    assertTrue(campaigns.startSending(c.id(), now).await(10, TimeUnit.SECONDS), "the creating node sends it");
    assertFalse(campaigns.startSending(c.id(), now + 1).await(10, TimeUnit.SECONDS), "no second node meanwhile");
    assertFalse(dueIds(now + CampaignStore.ORPHAN_AFTER_MS - 1).contains(c.id()));
    long orphaned = now + CampaignStore.ORPHAN_AFTER_MS;
    assertTrue(dueIds(orphaned).contains(c.id()), "left sending by a node that died: the scheduler sees it");
    assertTrue(campaigns.startSending(c.id(), orphaned).await(10, TimeUnit.SECONDS), "and one node takes it over");
    assertFalse(campaigns.startSending(c.id(), orphaned).await(10, TimeUnit.SECONDS), "only one");
  }

  @Test
  void aSentOrCancelledCampaignIsNeverSentAgain() throws Exception {
    long now = System.currentTimeMillis();
    Campaign sent = insert("sent-" + now, new JsonObject(), now);
    campaigns.startSending(sent.id(), now).await(10, TimeUnit.SECONDS);
    campaigns.move(sent.id(), Campaign.State.SENDING, Campaign.State.SENT).await(10, TimeUnit.SECONDS);
    Campaign cancelled = insert("cancelled-" + now, new JsonObject(), now);
    campaigns.cancel(cancelled.id()).await(10, TimeUnit.SECONDS);
    long muchLater = now + 100 * CampaignStore.ORPHAN_AFTER_MS;
    for (Campaign c : List.of(sent, cancelled)) {
      assertFalse(dueIds(muchLater).contains(c.id()));
      assertFalse(campaigns.startSending(c.id(), muchLater).await(10, TimeUnit.SECONDS));
    }
  }

  private static Campaign insert(String id, JsonObject body, long now) throws Exception {
    body.put("prompt", new JsonObject().put("text", new JsonObject().put("en", "hello")));
    return campaigns.insert(Campaign.parse(id, body, "admin", now)).await(10, TimeUnit.SECONDS);
  }

  private static List<String> dueIds(long now) throws Exception {
    return campaigns.due(now).await(10, TimeUnit.SECONDS).stream().map(Campaign::id).toList();
  }
}
