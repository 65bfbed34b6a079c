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
 *
 * <p>Such a JVM spends most of a small job starting: loading and verifying Spark's, Hadoop's and
 * ND4J's classes and compiling code that runs once. The JVMs these tests start therefore share a
 * class-data archive ({@link #launch}: a dynamic CDS archive dumped by one small job at the first
 * use, under target/) and compile with C1 only: a 4-step tiny training measured 16.9 s plain,
 * 15.0 s with C1, 11.6 s with the archive and 8.2 s with both. The jobs' results depend on
 * neither.
 */
final class JobProcess {

  record Result(int exitCode, String output) {}

  private static final Path CDS = Path.of("target", "test-jobs-cds").toAbsolutePath();
  private static Launch launch;

  /** The classpath and the flags for the JVMs these tests start. */
  record Launch(String classpath, List<String> flags) {}

  private JobProcess() {}

  /** This test JVM's own flags, without agents (coverage and debuggers stay in this one). */
  static List<String> inheritedFlags() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).toList();
  }

  /**
   * This test JVM's classpath with its class directories as jars (a CDS archive takes classes
   * from jars only), and the flags that use the archive dumped by an embed of three texts with a
   * tiny model, once per test JVM; where the dump fails, the plain classpath and C1 alone (slower
   * to start, not different).
   */
  static synchronized Launch launch() throws IOException {
    if (launch != null) {
      return launch;
    }
    List<String> c1 = List.of("-XX:TieredStopAtLevel=1", "-Xlog:cds=off",
        "-Xlog:cds+dynamic=off");
    launch = new Launch(System.getProperty("java.class.path"), c1);
    Files.createDirectories(CDS);
    try (var earlier = Files.list(CDS)) {   // the archives of earlier test runs (160 MB each)
      for (Path d : earlier.toList()) {
        org.apache.commons.io.FileUtils.deleteQuietly(d.toFile());
      }
    }
    Path dir = Files.createTempDirectory(CDS, "dump");
    List<String> entries = new ArrayList<>();
    int n = 0;
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path p = Path.of(e).toAbsolutePath();
      if (Files.isDirectory(p)) {
        Path jar = dir.resolve("dir-" + n++ + ".jar");
        jar(p, jar);
        entries.add(jar.toString());
      } else if (!e.isEmpty()) {
        entries.add(p.toString());
      }
    }
    String classpath = String.join(java.io.File.pathSeparator, entries);
    Path in = dir.resolve("items.jsonl");
    Files.writeString(in, "{\"id\": \"a\", \"text\": \"one\"}\n"
        + "{\"id\": \"b\", \"text\": \"two words\"}\n{\"id\": \"c\", \"text\": \"three\"}\n");
    Path model = EmbedResumeTest.tinyModel(dir);
    Path archive = dir.resolve("jobs.jsa");
    List<String> cmd = new ArrayList<>(List.of(java()));
    cmd.addAll(inheritedFlags());
    cmd.addAll(c1);
    cmd.addAll(List.of("-XX:ArchiveClassesAtExit=" + archive, "-cp", classpath,
        "io.omniembed.jobs.Main", "embed", "--model", model.toString(), "--input",
        in.toString(), "--out", dir.resolve("out").toString(), "--master", "local[1]"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("dump.log").toFile()).start();
    try {
      if (p.waitFor(3, TimeUnit.MINUTES) && p.exitValue() == 0 && Files.size(archive) > 0) {
        List<String> flags = new ArrayList<>(c1);
        flags.add("-XX:SharedArchiveFile=" + archive);
        launch = new Launch(classpath, List.copyOf(flags));
      } else {
        p.destroyForcibly();
      }
    } catch (InterruptedException | IOException e) {
      p.destroyForcibly();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    return launch;
  }

  /**
   * {@code --conf} options that start executor JVMs (local-cluster, standalone) the same way:
   * the jarred classpath first, so the archive's classpath is a prefix of theirs.
   */
  static List<String> executorConf() throws IOException {
    Launch l = launch();
    return List.of("--conf", "spark.executor.extraClassPath=" + l.classpath(), "--conf",
        "spark.executor.extraJavaOptions=" + String.join(" ", l.flags()));
  }

  /** {@code dir}'s files as an uncompressed jar. */
  private static void jar(Path dir, Path jar) throws IOException {
    try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
        var files = Files.walk(dir)) {
      out.setLevel(0);
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new java.util.jar.JarEntry(
            dir.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
  }

  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  static Process start(List<String> args, Map<String, String> env, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(java());
    cmd.addAll(inheritedFlags());
    Launch l = launch();
    cmd.addAll(l.flags());
    cmd.add("-cp");
    cmd.add(l.classpath());
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
