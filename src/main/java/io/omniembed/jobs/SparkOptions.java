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
  public SparkSession session(String job) {
    SparkConf loaded = new SparkConf();   // picks up spark-submit's spark.* system properties
    SparkSession.Builder b = SparkSession.builder().appName("omniembed " + job);
    String effective = master != null ? master : loaded.getOption("spark.master").getOrElse(
        () -> null);
    if (effective == null) {
      effective = "local[*]";
    }
    b.master(effective);
    if (effective.startsWith("local")) {
      b.config("spark.driver.host", "127.0.0.1");
      b.config("spark.driver.bindAddress", "127.0.0.1");
      b.config("spark.ui.enabled", "false");
      b.config("spark.ui.showConsoleProgress", "false");
    }
    for (Map.Entry<String, String> e : conf.entrySet()) {
      b.config(e.getKey(), e.getValue());
    }
    return b.getOrCreate();
  }
}
