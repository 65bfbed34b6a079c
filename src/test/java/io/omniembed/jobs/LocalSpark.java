package io.omniembed.jobs;

import org.apache.spark.sql.SparkSession;

/** A plain local[2] session for tests that prepare inputs or read outputs. */
final class LocalSpark {

  private LocalSpark() {}

  static SparkSession start() {
    return SparkSession.builder().master("local[2]").appName("omniembed-test")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").getOrCreate();
  }
}
