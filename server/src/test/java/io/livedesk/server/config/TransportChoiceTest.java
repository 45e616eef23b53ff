package io.livedesk.server.config;

import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** http.transport: auto takes io_uring where the kernel allows it; asked for by name, it is that or no start. */
class TransportChoiceTest {

  private static final Throwable REFUSED = new UnsupportedOperationException("io_uring_setup: Operation not permitted");

  @Test
  void autoTakesIoUringWhereTheKernelAllowsItAndNioElsewhere() {
    assertEquals(Transport.IO_URING, HttpConfig.choose("auto", true, null));
    assertEquals(Transport.NIO, HttpConfig.choose("auto", false, REFUSED));
  }

  @Test
  void nioIsNioEvenWhereIoUringWouldWork() {
    assertEquals(Transport.NIO, HttpConfig.choose("nio", true, null));
  }

  @Test
  void ioUringAskedForWhereTheKernelRefusesItStopsTheStartWithTheReason() {
    ConfigException e = assertThrows(ConfigException.class, () -> HttpConfig.choose("io_uring", false, REFUSED));
    assertTrue(e.getMessage().contains("http.transport") && e.getMessage().contains("Operation not permitted"), e.getMessage());
  }

  @Test
  void anUnknownTransportIsRefusedByName() {
    Config c = Config.resolve(Map.of(), Map.of("LIVEDESK_HTTP_TRANSPORT", "epoll"));
    ConfigException e = assertThrows(ConfigException.class, () -> HttpConfig.from(c));
    assertTrue(e.getMessage().contains("http.transport") && e.getMessage().contains("'epoll'"), e.getMessage());
  }

  @Test
  void theDefaultIsNio() {
    assertEquals("nio", HttpConfig.from(Config.resolve(Map.of(), Map.of())).transport());
  }
}
