package io.livedesk.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads counters from the server's Prometheus scrape ({@code /metrics}) around a benchmark step. */
final class ServerMetrics {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ServerMetrics() {
  }

  /** Best-effort frames the server dropped for slow consumers, all types; -1 when there is no URL or no answer. */
  static long dropped(String metricsUrl) {
    return sum(metricsUrl, "livedesk_frames_dropped_total");
  }

  static long sum(String metricsUrl, String name) {
    if (metricsUrl.isEmpty()) {
      return -1;
    }
    try {
      String body = HTTP.send(HttpRequest.newBuilder(URI.create(metricsUrl)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      long total = 0;
      for (String line : body.split("\n")) {
        if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
          total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return total;
    } catch (Exception e) {
      return -1;
    }
  }
}
