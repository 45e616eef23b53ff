package io.livedesk.server.config;

import io.livedesk.server.auth.AuthConfig;
import io.livedesk.server.bot.BotConfig;
import io.livedesk.server.cluster.ClusterConfig;
import io.livedesk.server.conversation.ConversationConfig;
import io.livedesk.server.gateway.GatewayConfig;
import io.livedesk.server.push.PushConfig;
import io.livedesk.server.room.RoomConfig;
import io.livedesk.server.presence.PresenceConfig;
import io.livedesk.server.privacy.PrivacyConfig;
import io.livedesk.server.routing.DispatchConfig;
import io.livedesk.server.routing.RoutingConfig;
import io.livedesk.server.store.StoreConfig;

import java.util.ArrayList;
import java.util.List;

/** Every setting of every area, in the order the README lists them. */
public final class Settings {

  private Settings() {
  }

  public static List<Setting> all() {
    List<Setting> all = new ArrayList<>();
    all.addAll(HttpConfig.SETTINGS);
    all.addAll(AuthConfig.SETTINGS);
    all.addAll(GatewayConfig.SETTINGS);
    all.addAll(StoreConfig.SETTINGS);
    all.addAll(ClusterConfig.SETTINGS);
    all.addAll(PrivacyConfig.SETTINGS);
    all.addAll(RoutingConfig.SETTINGS);
    all.addAll(BotConfig.SETTINGS);
    all.addAll(RoomConfig.SETTINGS);
    all.addAll(PushConfig.SETTINGS);
    all.addAll(ConversationConfig.SETTINGS);
    all.addAll(DispatchConfig.SETTINGS);
    all.addAll(PresenceConfig.SETTINGS);
    return all;
  }

  static boolean isKey(String key) {
    return all().stream().anyMatch(s -> s.key().equals(key));
  }
}
