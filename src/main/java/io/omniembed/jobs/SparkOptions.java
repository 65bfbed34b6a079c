package io.omniembed.jobs;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * The options every job takes to reach Spark: {@code --master} and repeated {@code --conf k=v}.
 * With neither (and not under spark-submit) a job runs on an embedded {@code local[*]} Spark bound
 * to 127.0.0.1.
 */
public final class SparkOptions {

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master (default: the one spark-submit gives, else local[*]).")
  String master;

  @Option(names = "--conf", paramLabel = "KEY=VALUE",
      description = "A Spark (or spark.hadoop.*) setting; repeatable.")
  Map<String, String> conf = new LinkedHashMap<>();

  /** Builds the session. Pass the job name for the Spark UI. */
  /** Spark's list of plugins; every session gets {@link NativeBuildPlugin} added to it. */
  static final String PLUGINS = "spark.plugins";

  public SparkSession session(String job) {
    return session(job, Map.of());
  }

  /**
   * Builds the session with {@code settings} applied after the user's: settings a job needs in
   * place before the SparkContext starts (train's GPU scheduling), computed from {@link
   * #master()} and {@link #given()}.
   */
  public SparkSession session(String job, Map<String, String> settings) {
    SparkSession.Builder b = SparkSession.builder().appName("omniembed " + job);
    String effective = master();
    b.master(effective);
    if (effective.startsWith("local")) {
      b.config("spark.driver.host", "127.0.0.1");
      b.config("spark.driver.bindAddress", "127.0.0.1");
      b.config("spark.ui.enabled", "false");
      b.config("spark.ui.showConsoleProgress", "false");
    }
    if (effective.startsWith("local-cluster")) {
      localCluster(b, effective);
    }
    for (Map.Entry<String, String> e : conf.entrySet()) {
      refuseSecret(e.getKey());
      b.config(e.getKey(), e.getValue());
    }
    settings.forEach(b::config);
    String plugins = given().getOrDefault(PLUGINS, settings.getOrDefault(PLUGINS, ""));
    b.config(PLUGINS, plugins.isBlank() ? NativeBuildPlugin.class.getName()
        : plugins + "," + NativeBuildPlugin.class.getName());
    return b.getOrCreate();
  }

  /** The master the session gets: --master, else the one spark-submit gives, else local[*]. */
  public String master() {
    if (master != null) {
      return master;
    }
    SparkConf loaded = new SparkConf();   // picks up spark-submit's spark.* system properties
    return loaded.getOption("spark.master").getOrElse(() -> "local[*]");
  }

  /** The Spark settings the user gave: spark-submit's (its system properties), then --conf. */
  public Map<String, String> given() {
    Map<String, String> all = new LinkedHashMap<>();
    for (scala.Tuple2<String, String> kv : new SparkConf().getAll()) {
      all.put(kv._1(), kv._2());
    }
    all.putAll(conf);
    return all;
  }

  /** Settings that hold credentials: refused on the command line. */
  private static final java.util.regex.Pattern SECRET = java.util.regex.Pattern.compile(
      "(?i).*(secret|password|session[.]token|access[.]key"
          + "|account[.]key|oauth2[.]client).*");

  /**
   * Credentials given with {@code --conf} end up in shell history, process listings and the
   * logs of every process that prints its command line; they must come from the environment
   * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), ~/.aws, an instance profile or a Hadoop
   * credential provider set in the cluster's configuration instead.
   */
  static void refuseSecret(String key) {
    if (SECRET.matcher(key).matches()) {
      throw new IllegalArgumentException("--conf " + key + " looks like a credential; do not pass"
          + " credentials on the command line (they end up in logs and process listings): use"
          + " the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), ~/.aws, an instance"
          + " profile, or the cluster's Hadoop configuration");
    }
  }

  /**
   * {@code local-cluster[N,C,MB]} starts N executor JVMs on this machine without a Spark
   * distribution: they get this JVM's classpath (absolute paths) and one OpenMP thread per core
   * they are given, so N executors do not oversubscribe the machine. Spark's Worker also needs
   * SPARK_HOME (any directory with a {@code jars/} folder; jobs/omniembed makes one) and
   * SPARK_SCALA_VERSION in the environment.
   */
  private static void localCluster(SparkSession.Builder b, String master) {
    if (System.getenv("SPARK_HOME") == null || System.getenv("SPARK_SCALA_VERSION") == null) {
      throw new IllegalArgumentException("--master " + master + " needs SPARK_HOME (a directory"
          + " with a jars/ folder) and SPARK_SCALA_VERSION=2.13 in the environment;"
          + " jobs/omniembed sets both");
    }
    java.util.StringJoiner cp = new java.util.StringJoiner(java.io.File.pathSeparator);
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty()) {
        cp.add(new java.io.File(entry).getAbsolutePath());
      }
    }
    b.config("spark.executor.extraClassPath", cp.toString());
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,.*]").matcher(master);
    if (m.matches()) {
      b.config("spark.executorEnv.OMP_NUM_THREADS", m.group(1));
    }
    b.config("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
    String coretype = System.getenv("OPENBLAS_CORETYPE");
    if (coretype != null) {
      b.config("spark.executorEnv.OPENBLAS_CORETYPE", coretype);
    }
  }
}
