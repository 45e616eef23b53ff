package io.livedesk.server.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An embedded store in a process of its own, for tests that kill it: opens the data directory
 * given as the first argument, prints {@code EMBEDDED-PORT=<port>} and serves until stdin closes
 * or the process is killed.
 */
public final class EmbeddedStoreProcess {

  public static final String PORT_LINE = "EMBEDDED-PORT=";

  private EmbeddedStoreProcess() {
  }

  public static void main(String[] args) throws IOException {
    EmbeddedStore store = EmbeddedStore.start(Path.of(args[0]), 0);
    System.out.println(PORT_LINE + store.uri().substring(store.uri().lastIndexOf(':') + 1));
    System.out.flush();
    // the parent kills this process; a closed stdin (the parent gone) ends it cleanly instead
    while (System.in.read() >= 0) {
      // keep serving
    }
    store.close();
  }
}
