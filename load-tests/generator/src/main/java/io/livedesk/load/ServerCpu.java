package io.livedesk.load;

import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of a local process (the server under test) from /proc/PID/stat: user + system ticks. */
final class ServerCpu {

  /** USER_HZ, 100 on every Linux this runs on. */
  static final double TICKS_PER_SECOND = 100.0;

  private ServerCpu() {
  }

  static long ticks(int pid) {
    if (pid <= 0) {
      return 0;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // fields after the command name, which is in parentheses and may hold spaces
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (Exception e) {
      return 0;
    }
  }
}
