package io.omniembed.jobs;

import java.io.FileNotFoundException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line: {@code omniembed <job> [options]}. Each job is one thin class that parses its
 * options, builds (or receives) the SparkSession and wires components.
 *
 * <p>Errors end the process with one line, {@code omniembed <job>: error: <message>}, and exit
 * code 1 (2 for bad usage); set {@code OMNIEMBED_DEBUG=1} for the stack trace. The JVM exits
 * explicitly because Spark can leave non-daemon threads behind after {@code stop()}.
 */
@Command(name = "omniembed", mixinStandardHelpOptions = true, version = "omniembed 0.1.0",
    description = "Train and run multimodal embedding models on Apache Spark.",
    subcommands = {EmbedJob.class, EvalJob.class, SearchJob.class, ExportJob.class,
        TrainJob.class, SoupJob.class,
        MakeBenchmarkJob.class, MakeMultimodalJob.class, MakeParallelJob.class, JoinTeacherJob.class,
        LitTextsJob.class, SynthCodeJob.class, PrepareJob.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    io.omniembed.model.layer.NativeBuild.choose();   // before anything loads ND4J
    System.exit(run(args));
  }

  /** Runs a job and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    return run(new PrintWriter(System.err, true), args);
  }

  /** As {@link #run(String...)}, with error lines going to {@code err}. */
  public static int run(PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      err.println(cmd.getCommandSpec().qualifiedName() + ": error: " + message(e));
      if (System.getenv("OMNIEMBED_DEBUG") != null) {
        e.printStackTrace(err);
      }
      err.flush();
      return 1;
    });
    try {
      return cli.execute(args);
    } finally {
      stopSpark();
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** The most useful single line for an exception: the deepest message that names something. */
  static String message(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.io.UncheckedIOException
        || t.getClass().getName().equals("org.apache.spark.SparkException"))
        && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      m = t.getClass().getSimpleName();
    }
    if (t instanceof FileNotFoundException && !m.contains("no such")) {
      m = m + ": no such file or directory";
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private static void stopSpark() {
    try {
      org.apache.spark.sql.SparkSession.getActiveSession().foreach(s -> {
        s.stop();
        return null;
      });
      org.apache.spark.sql.SparkSession.getDefaultSession().foreach(s -> {
        s.stop();
        return null;
      });
    } catch (RuntimeException | NoClassDefFoundError e) {
      // Spark not on the classpath or already stopped: nothing to stop.
    }
  }
}
