package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --device}: what a jar without ND4J's CUDA backend (this build) says to
 * {@code --device cuda}, in one line and before any Spark work, and to a device it does not
 * know. The GPU scheduling itself is GpuSchedulingTest's.
 */
class TrainDeviceTest {

  @Test
  void cudaIsRefusedByACpuBuildBeforeSparkStarts(@TempDir Path dir) {
    JobRunner.Result r = JobRunner.run("train", "--data", dir.resolve("none.jsonl").toString(),
        "--init", "random:tiny", "--out", dir.resolve("out").toString(), "--device", "cuda",
        "--workers", "2", "--master", "local-cluster[2,1,1024]");
    assertEquals(1, r.exitCode());
    assertEquals("omniembed train: error: --device cuda needs ND4J's CUDA backend, and this jar"
        + " was built without it: build with mvn package -Pcuda", r.err());
    assertFalse(org.apache.spark.sql.SparkSession.getActiveSession().isDefined(),
        "no session was started");
    assertFalse(dir.resolve("out").toFile().exists());
  }

  @Test
  void anUnknownDeviceIsRefusedNamingTheChoices(@TempDir Path dir) {
    JobRunner.Result r = JobRunner.run("train", "--data", dir.resolve("none.jsonl").toString(),
        "--init", "random:tiny", "--out", dir.resolve("out").toString(), "--device", "tpu");
    assertEquals(1, r.exitCode());
    assertEquals("omniembed train: error: --device takes cpu or cuda, not 'tpu'", r.err());
  }
}
