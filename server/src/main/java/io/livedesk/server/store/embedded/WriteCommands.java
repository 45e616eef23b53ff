package io.livedesk.server.store.embedded;

import de.bwaldvogel.mongo.bson.Document;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which commands must be durable before they are answered. The list is of the commands known to
 * change nothing; every other command counts as a write, so a command this list does not know
 * (a new write command, an admin command) costs a sync rather than risking an acknowledged write
 * that a crash loses.
 */
final class WriteCommands {

  private static final Set<String> READ_ONLY = Set.of(
      "find", "getmore", "count", "distinct", "aggregate", "listcollections", "listindexes", "listdatabases",
      "ping", "hello", "ismaster", "buildinfo", "whatsmyuri", "serverstatus", "dbstats", "collstats", "datasize",
      "getlasterror", "getlog", "hostinfo", "connectionstatus", "getcmdlineopts", "getfreemonitoringstatus",
      "killcursors", "endsessions", "getparameter", "explain", "replsetgetstatus", "currentop", "validate",
      "saslstart", "saslcontinue", "features");

  /**
   * The write commands whose every change goes through a collection's maps, and so into the
   * journal: a sync of the journal makes them durable. Every other write (dropping a collection or
   * a database, renaming, an unknown command) waits for a checkpoint of the store file.
   */
  private static final Set<String> JOURNALED = Set.of("insert", "update", "delete", "findandmodify", "createindexes",
      "create");

  private WriteCommands() {
  }

  static boolean journaled(String command) {
    return JOURNALED.contains(command.toLowerCase(Locale.ROOT));
  }

  static boolean changesData(String command, Document body) {
    String name = command.toLowerCase(Locale.ROOT);
    if (!READ_ONLY.contains(name)) {
      return true;
    }
    // an aggregation that ends in $out or $merge writes a collection
    if (name.equals("aggregate") && body.get("pipeline") instanceof List<?> pipeline) {
      for (Object stage : pipeline) {
        if (stage instanceof Document d && (d.containsKey("$out") || d.containsKey("$merge"))) {
          return true;
        }
      }
    }
    return false;
  }
}
