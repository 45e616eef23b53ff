package io.livedesk.server.privacy;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Erases closed transcripts older than the retention time. Every node checks every
 * {@code retentionCheckMs}, but only the one that takes the check's lease in Hazelcast runs it,
 * so one node at a time sweeps; a node that dies mid-sweep leaves a lease that simply runs out.
 * Each sweep that erased something is audited as the system.
 */
final class Retention extends VerticleBase {

  static final String JOB = "transcript-retention";
  private static final Logger log = LoggerFactory.getLogger(Retention.class);

  private final IMap<String, Long> leases;
  private final Transcripts transcripts;
  private final Audit audit;
  private final long retentionMs;
  private final long everyMs;
  private final String nodeId;
  private long timer = -1;

  Retention(IMap<String, Long> leases, Transcripts transcripts, Audit audit, int retentionDays, long everyMs, String nodeId) {
    this.leases = leases;
    this.transcripts = transcripts;
    this.audit = audit;
    this.retentionMs = TimeUnit.DAYS.toMillis(retentionDays);
    this.everyMs = everyMs;
    this.nodeId = nodeId;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(everyMs, id -> sweep());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    long cutoff = now - retentionMs;
    // The lease ends a little before the next check, so the next check anywhere may take it.
    Future.fromCompletionStage(leases.submitToKey(JOB, new Lease(now, now + everyMs * 9 / 10)), context)
        .compose(mine -> mine ? transcripts.eraseFinishedBefore(cutoff).compose(erased -> audited(erased, cutoff))
            : Future.succeededFuture())
        .onFailure(e -> log.warn("transcript retention sweep failed, next check in {} ms: {}", everyMs, e.toString()));
  }

  private Future<Void> audited(Transcripts.Erased erased, long cutoff) {
    if (erased.conversations() == 0 && erased.messages() == 0) {
      return Future.succeededFuture();
    }
    log.info("transcript retention erased conversations={} messages={} cutoff={}", erased.conversations(),
        erased.messages(), cutoff);
    return audit.record(Audit.SYSTEM, PrivacyApi.RETENTION, null, erased.toJson()
        .put("lastActivityBefore", cutoff).put("retentionDays", TimeUnit.MILLISECONDS.toDays(retentionMs)).put("node", nodeId));
  }

  /**
   * Takes the job's lease when it is free or ran out: answers whether this caller now holds it.
   * Crosses the cluster in Hazelcast Compact ({@link RetentionFormat}), not in Java serialization.
   */
  record Lease(long now, long until) implements EntryProcessor<String, Long, Boolean> {
    @Override
    public Boolean process(Map.Entry<String, Long> entry) {
      Long held = entry.getValue();
      if (held != null && held > now) {
        return false;
      }
      entry.setValue(until);
      return true;
    }
  }
}
