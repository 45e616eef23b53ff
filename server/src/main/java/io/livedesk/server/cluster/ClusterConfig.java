package io.livedesk.server.cluster;

import io.livedesk.server.config.Config;
import io.livedesk.server.config.Setting;

import java.util.List;

/** How the node finds the others: by default alone on loopback, else a Hazelcast config file. */
public record ClusterConfig(String configFile, String name, String host, int port, String members) {

  public static final List<Setting> SETTINGS = List.of(
      new Setting("cluster.config", "LIVEDESK_CLUSTER_CONFIG", "", "Hazelcast XML or YAML file (see cluster-config/); empty runs a single member on loopback"),
      Setting.of("cluster.name", "livedesk", "Hazelcast cluster name; only members with the same name join"),
      Setting.of("cluster.host", "127.0.0.1", "address for Hazelcast and the event bus when no config file is given"),
      Setting.of("cluster.port", 5701, "first Hazelcast port tried (increments when taken) when no config file is given"),
      Setting.of("cluster.members", "", "comma-separated host[:port] list to join over TCP when no config file is given; empty stays alone"));

  public static ClusterConfig from(Config c) {
    return new ClusterConfig(c.string("cluster.config"), c.string("cluster.name"), c.string("cluster.host"),
        c.positive("cluster.port"), c.string("cluster.members"));
  }
}
