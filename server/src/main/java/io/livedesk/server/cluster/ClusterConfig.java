package io.livedesk.server.cluster;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.ConfigException;
import io.livedesk.server.config.Setting;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How the node finds the others: by default alone on loopback, else a Hazelcast config file. With
 * {@code cluster.tls.*} the event bus between nodes runs over TLS that both ends must pass: only a
 * node holding a certificate the others trust sends to or receives from them.
 */
public record ClusterConfig(String configFile, String name, String host, int port, String members,
                            String tlsCert, String tlsKey, String tlsTrust) {

  public static final List<Setting> SETTINGS = List.of(
      new Setting("cluster.config", "LIVEDESK_CLUSTER_CONFIG", "", "Hazelcast XML or YAML file (see cluster-config/); empty runs a single member on loopback"),
      Setting.of("cluster.name", "livedesk", "Hazelcast cluster name; only members with the same name join"),
      Setting.of("cluster.host", "127.0.0.1", "address for Hazelcast and the event bus when no config file is given"),
      Setting.of("cluster.port", 5701, "first Hazelcast port tried (increments when taken) when no config file is given"),
      Setting.of("cluster.members", "", "comma-separated host[:port] list to join over TCP when no config file is given; empty stays alone"),
      Setting.of("cluster.tls.cert", "", "PEM certificate (chain) of this node for the event bus; with cluster.tls.key and cluster.tls.trust, the event bus runs over TLS and every node must present a trusted certificate"),
      Setting.of("cluster.tls.key", "", "PEM private key (PKCS#8 or RSA) of cluster.tls.cert"),
      Setting.of("cluster.tls.trust", "", "PEM file of the CA (or certificates) whose nodes this node talks to on the event bus; nothing else is trusted"));

  public ClusterConfig(String configFile, String name, String host, int port, String members) {
    this(configFile, name, host, port, members, "", "", "");
  }

  public static ClusterConfig from(Config c) {
    String cert = c.string("cluster.tls.cert");
    String key = c.string("cluster.tls.key");
    String trust = c.string("cluster.tls.trust");
    boolean anyTls = !blank(cert) || !blank(key) || !blank(trust);
    if (anyTls) {
      // All three or none: a node that half-enables TLS would either fail at its first message or
      // trust the JDK's public CAs, which admit anyone who holds a public certificate.
      required(cert, "cluster.tls.cert");
      required(key, "cluster.tls.key");
      required(trust, "cluster.tls.trust");
      readablePem("cluster.tls.cert", cert);
      readablePem("cluster.tls.key", key);
      readablePem("cluster.tls.trust", trust);
    }
    return new ClusterConfig(c.string("cluster.config"), c.string("cluster.name"), c.string("cluster.host"),
        c.positive("cluster.port"), c.string("cluster.members"), blank(cert) ? "" : cert, blank(key) ? "" : key,
        blank(trust) ? "" : trust);
  }

  /** Whether the event bus between nodes runs over mutually authenticated TLS. */
  public boolean tls() {
    return !tlsCert.isEmpty();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static void required(String value, String key) {
    if (blank(value)) {
      throw new ConfigException("in " + key + ": required when any of cluster.tls.cert, cluster.tls.key, "
          + "cluster.tls.trust is set (event-bus TLS needs this node's certificate, its key and the CA it trusts)");
    }
  }

  /** Read now, before any event loop exists, so that a bad path stops the node with its setting named. */
  private static void readablePem(String key, String path) {
    String text;
    try {
      text = new String(Files.readAllBytes(Path.of(path)), StandardCharsets.ISO_8859_1);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("in " + key + ": cannot read " + path + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
    }
    if (!text.contains("-----BEGIN ")) {
      throw new ConfigException("in " + key + ": " + path + " is not a PEM file (no -----BEGIN line)");
    }
  }
}
