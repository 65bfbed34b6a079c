package io.omniembed.jobs;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A job as its own JVM, with this test's classpath and JVM flags, as spark-submit in client mode
 * would run it: for tests that kill it or give it environment variables (credentials).
 */
final class JobProcess {

  record Result(int exitCode, String output) {}

  private JobProcess() {}

  static Process start(List<String> args, Map<String, String> env, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).toList());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.omniembed.jobs.Main");
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  /** Runs to the end (at most 5 minutes) and returns the exit code and everything it printed. */
  static Result run(List<String> args, Map<String, String> env, Path log) throws Exception {
    Process p = start(args, env, log);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("job did not finish in 5 minutes: " + args);
    }
    return new Result(p.exitValue(), Files.readString(log));
  }
}
