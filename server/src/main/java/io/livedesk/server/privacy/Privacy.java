package io.livedesk.server.privacy;

import com.hazelcast.core.HazelcastInstance;
import io.livedesk.server.auth.HttpAuth;
import io.livedesk.server.cluster.Addresses;
import io.livedesk.server.gateway.HttpRoutes;
import io.livedesk.server.store.Store;
import io.livedesk.server.store.WriteBuffer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Customers' personal data: the admin API to export and erase a customer's transcripts, the
 * audit trail of both, and the retention sweep. {@link #routes()} to mount, {@link #start} once.
 */
public final class Privacy {

  private final PrivacyConfig config;
  private final Audit audit;
  private final Transcripts transcripts;
  private final PrivacyApi api;

  public Privacy(Store store, WriteBuffer writes, HttpAuth auth, PrivacyConfig config) {
    this.config = config;
    this.audit = new Audit(store, writes);
    this.transcripts = new Transcripts(store);
    this.api = new PrivacyApi(auth, transcripts, audit);
  }

  public HttpRoutes routes() {
    return api;
  }

  /**
   * Deploys the retention sweep when a retention time is set. The audit index is best effort:
   * without it the audit list is slower, not wrong.
   */
  public Future<Void> start(Vertx vertx, HazelcastInstance hazelcast, String nodeId) {
    audit.createIndexes();
    if (config.transcriptRetentionDays() == 0) {
      return Future.succeededFuture();
    }
    return vertx.deployVerticle(new Retention(hazelcast.getMap(Addresses.JOB_LEASES), transcripts, audit,
        config.transcriptRetentionDays(), config.retentionCheckMs(), nodeId)).mapEmpty();
  }
}
