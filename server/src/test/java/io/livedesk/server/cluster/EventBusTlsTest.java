package io.livedesk.server.cluster;

import io.livedesk.protocol.Frame;
import io.livedesk.protocol.Ok;
import io.livedesk.server.Node;
import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.livedesk.server.testing.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.spi.cluster.NodeInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The event bus over TLS with member authentication: nodes holding the cluster's certificate talk
 * to each other; a node whose certificate the cluster does not trust joins Hazelcast (open-source
 * Hazelcast cannot keep it out) but can neither send to the others' event bus nor receive from it,
 * and a connection without a certificate, or without TLS, is dropped at the door.
 */
@SuppressWarnings("removal") // SelfSignedCertificate: test certificates without keytool or a network
class EventBusTlsTest {

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static io.vertx.core.net.SelfSignedCertificate cluster;
  private static io.vertx.core.net.SelfSignedCertificate stranger;
  private static Node a;
  private static Node b;
  private static Node untrusted;

  @BeforeAll
  static void start() {
    cluster = io.vertx.core.net.SelfSignedCertificate.create("livedesk-node");
    stranger = io.vertx.core.net.SelfSignedCertificate.create("livedesk-node");
    a = nodes.start(tls(cluster, cluster));
    b = nodes.start(tls(cluster, cluster));
    // Trusts the cluster's certificate, so only the cluster's refusal of its own can keep it out.
    untrusted = nodes.start(tls(stranger, cluster));
  }

  @AfterAll
  static void stop() {
    nodes.close();
    client.close();
    cluster.delete();
    stranger.delete();
  }

  private static Map<String, Object> tls(io.vertx.core.net.SelfSignedCertificate own, io.vertx.core.net.SelfSignedCertificate trusted) {
    Map<String, Object> s = new HashMap<>();
    s.put("cluster.tls.cert", own.certificatePath());
    s.put("cluster.tls.key", own.privateKeyPath());
    s.put("cluster.tls.trust", trusted.certificatePath());
    return s;
  }

  @Test
  void nodesHoldingTheClustersCertificateDeliverAOneToOneFrameAcrossNodes() {
    try (WsClient alice = WsClient.connect(a.port(), Tokens.of("tls-alice", "customer"))) {
      b.delivery().toUser("tls-alice", Frame.newBuilder().setId("over-tls").setOk(Ok.getDefaultInstance()).build());
      assertEquals("over-tls", alice.await(Frame::hasOk).getId());
    }
  }

  @Test
  void aNodeWithAnUntrustedCertificateCanNeitherSendToTheClusterNorReceiveFromIt() throws Exception {
    MessageConsumer<String> onA = a.vertx().eventBus().consumer("tls-probe-a", m -> m.reply("a"));
    MessageConsumer<String> onUntrusted = untrusted.vertx().eventBus().consumer("tls-probe-untrusted", m -> m.reply("untrusted"));
    onA.completion().await(10, TimeUnit.SECONDS);
    onUntrusted.completion().await(10, TimeUnit.SECONDS);
    DeliveryOptions soon = new DeliveryOptions().setSendTimeout(5000);

    // The trusted path works, so a failure below is the certificate's doing, not the probe's.
    assertEquals("a", b.vertx().eventBus().request("tls-probe-a", "ping", soon).await(15, TimeUnit.SECONDS).body());
    assertThrows(Exception.class, () -> untrusted.vertx().eventBus().request("tls-probe-a", "ping", soon)
        .await(15, TimeUnit.SECONDS), "the untrusted node reached a consumer on a trusted node");
    assertThrows(Exception.class, () -> a.vertx().eventBus().request("tls-probe-untrusted", "ping", soon)
        .await(15, TimeUnit.SECONDS), "a trusted node handed a message to the untrusted node");
    onA.unregister();
    onUntrusted.unregister();
  }

  @Test
  void aConnectionWithoutACertificateOrWithoutTlsIsDroppedByTheEventBus() throws Exception {
    NodeInfo bus = ((VertxInternal) a.vertx()).clusterManager().getNodeInfo();
    // TLS that trusts the node but shows no certificate of its own: the node requires one. The
    // client's own handshake timeout is longer than the wait, so only the node's refusal counts.
    assertDropped(new NetClientOptions().setSsl(true).setTrustAll(true).setHostnameVerificationAlgorithm("")
        .setSslHandshakeTimeout(60).setSslHandshakeTimeoutUnit(TimeUnit.SECONDS), bus, "a TLS connection without a client certificate");
    // Plain TCP starting an event-bus frame: a plain event bus would wait for the rest of it; TLS
    // sees a record that is not TLS and closes.
    assertDropped(new NetClientOptions(), bus, "a plain connection");
  }

  /** Connects and writes the start of a frame; the node must fail or close the connection. */
  private static void assertDropped(NetClientOptions options, NodeInfo bus, String what) throws Exception {
    Promise<Void> closed = Promise.promise();
    Future<NetSocket> connected = client.createNetClient(options.setConnectTimeout(5000)).connect(bus.port(), bus.host());
    connected.onSuccess(socket -> {
      socket.closeHandler(v -> closed.tryComplete());
      socket.exceptionHandler(e -> closed.tryComplete());
      socket.write(Buffer.buffer().appendInt(1000).appendBytes(new byte[8]));
    }).onFailure(e -> closed.tryComplete());
    try {
      closed.future().await(15, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(what + " stayed open for 15 s", e);
    }
  }

  @Test
  void aHalfConfiguredOrUnreadableTlsSettingStopsTheNodeNamingTheSetting() {
    Map<String, Object> onlyCert = TestNodes.baseSettings();
    onlyCert.put("cluster.tls.cert", cluster.certificatePath());
    onlyCert.put("cluster.tls.trust", cluster.certificatePath());
    assertEquals(true, refusal(onlyCert).startsWith("in cluster.tls.key: required"), refusal(onlyCert));

    Map<String, Object> noTrust = TestNodes.baseSettings();
    noTrust.put("cluster.tls.cert", cluster.certificatePath());
    noTrust.put("cluster.tls.key", cluster.privateKeyPath());
    assertEquals(true, refusal(noTrust).startsWith("in cluster.tls.trust: required"), refusal(noTrust));

    Map<String, Object> missing = TestNodes.baseSettings();
    missing.putAll(tls(cluster, cluster));
    missing.put("cluster.tls.trust", TestNodes.tempDir() + "/no-such-ca.pem");
    assertEquals(true, refusal(missing).startsWith("in cluster.tls.trust: cannot read"), refusal(missing));
  }

  /** The one line a node that refuses its configuration prints. */
  private static String refusal(Map<String, Object> settings) {
    Exception e = assertThrows(Exception.class, () -> Node.start(Config.of(settings)).await(30, TimeUnit.SECONDS));
    assertEquals(ConfigException.class, e.getClass(), String.valueOf(e));
    assertEquals(false, e.getMessage().contains("\n"), e.getMessage());
    return e.getMessage();
  }
}
