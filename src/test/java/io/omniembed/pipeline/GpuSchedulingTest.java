package io.omniembed.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.io.TaskGpu;

import java.io.File;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * GPU scheduling for {@code train --device cuda} without a GPU: the settings a run adds before
 * its session starts, the address a task reads, and — on a real local-cluster master (one
 * worker JVM that discovers two "GPUs" with a fake discovery script, two executor JVMs) — that
 * Spark gives each task of a barrier stage a GPU of its own, and that asking for more workers
 * than GPUs fails at once with the counts. Stops short of ND4J's CUDA backend, which this
 * build has not.
 */
class GpuSchedulingTest {

  private static final String LISTENER = GpuScheduling.ExecutorGpus.class.getName();

  @Test
  void aClusterRunAsksForOneGpuPerExecutorAndTask(@TempDir Path home) throws Exception {
    Path script = home.resolve(GpuScheduling.SCRIPT);
    Files.createDirectories(script.getParent());
    Files.writeString(script, "#!/bin/sh\n");
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("spark.executor.resource.gpu.amount", "1");
    expected.put("spark.task.resource.gpu.amount", "1");
    expected.put("spark.executor.resource.gpu.discoveryScript", script.toString());
    expected.put("spark.extraListeners", LISTENER);
    assertEquals(expected, GpuScheduling.settings("spark://h:7077", 4, Map.of(),
        home.toString()));

    // What the user gave stays: their script, their listeners (ours added), amounts of 1.
    Map<String, String> given = Map.of("spark.executor.resource.gpu.discoveryScript",
        "./gpu-discovery.sh", "spark.extraListeners", "a.Listener",
        "spark.task.resource.gpu.amount", "1.0");
    assertEquals(Map.of("spark.executor.resource.gpu.amount", "1",
        "spark.task.resource.gpu.amount", "1", "spark.extraListeners", "a.Listener," + LISTENER),
        GpuScheduling.settings("yarn", 2, given, null));
    // Standalone executors get their GPUs from their workers: no script needed.
    assertEquals(null, GpuScheduling.settings("spark://h:7077", 2, Map.of(), null)
        .get("spark.executor.resource.gpu.discoveryScript"));
    // Local masters: Spark assigns nothing; one worker takes the first GPU.
    assertEquals(Map.of(), GpuScheduling.settings("local[*]", 1, Map.of(), null));
  }

  @Test
  void settingsThatCannotWorkAreRefusedNamingThem() {
    assertEquals("--device cuda with --master local[2] runs every worker in this JVM, which"
        + " drives one GPU; give --workers 1, or a master with one executor per GPU"
        + " (local-cluster[W,C,MB], standalone, YARN, Kubernetes)",
        refused("local[2]", 2, Map.of()));
    assertEquals("train --device cuda runs one GPU per barrier task:"
        + " spark.task.resource.gpu.amount must be 1, not 0.5",
        refused("spark://h:7077", 2, Map.of("spark.task.resource.gpu.amount", "0.5")));
    assertEquals("train --device cuda runs one GPU, and one worker, per executor JVM:"
        + " spark.executor.resource.gpu.amount must be 1, not 2",
        refused("spark://h:7077", 2, Map.of("spark.executor.resource.gpu.amount", "2")));
    assertEquals("--device cuda on k8s://https://api:6443 needs --conf"
        + " spark.executor.resource.gpu.discoveryScript=PATH, a script on every executor host"
        + " (ship conf/gpu-discovery.sh with --files and give ./gpu-discovery.sh), or"
        + " OMNIEMBED_HOME set to the project's directory",
        refused("k8s://https://api:6443", 2, Map.of()));
  }

  private static String refused(String master, int workers, Map<String, String> given) {
    return assertThrows(IllegalArgumentException.class,
        () -> GpuScheduling.settings(master, workers, given, null)).getMessage();
  }

  @Test
  void aTaskReadsTheOneAddressSparkAssignedIt() {
    assertEquals(1, GpuScheduling.gpuIndex(Map.of("gpu", gpus("1"))));
    assertEquals(0, GpuScheduling.gpuIndex(Map.of()), "local masters assign none: GPU 0");
    assertEquals("this task was given GPUs [0, 1]; train runs one per task"
        + " (spark.task.resource.gpu.amount=1)", assertThrows(IllegalArgumentException.class,
            () -> GpuScheduling.gpuIndex(Map.of("gpu", gpus("0", "1")))).getMessage());
    assertEquals("GPU address 'GPU-5d1e' from the discovery script is not a CUDA device ordinal"
        + " (conf/gpu-discovery.sh prints nvidia-smi's indices)",
        assertThrows(IllegalArgumentException.class,
            () -> GpuScheduling.gpuIndex(Map.of("gpu", gpus("GPU-5d1e")))).getMessage());
  }

  @Test
  void inferenceTasksAskForAGpuUnlessGivenAndMayShareOne() {
    assertEquals(Map.of(), GpuScheduling.inferenceSettings("local[4]", Map.of(), null),
        "local masters: every task on the process's GPU 0");
    Map<String, String> s = GpuScheduling.inferenceSettings("spark://h:7077", Map.of(), null);
    assertEquals("1", s.get("spark.executor.resource.gpu.amount"));
    assertEquals("1", s.get("spark.task.resource.gpu.amount"));
    Map<String, String> shared = GpuScheduling.inferenceSettings("spark://h:7077",
        Map.of("spark.task.resource.gpu.amount", "0.25"), null);
    assertEquals(null, shared.get("spark.task.resource.gpu.amount"), "a given share is kept");
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> GpuScheduling.inferenceSettings("yarn", Map.of(), null)).getMessage()
        .contains("spark.executor.resource.gpu.discoveryScript=PATH"));
    assertEquals(0, TaskGpu.ordinal(), "outside a task: GPU 0");
    assertEquals(2, TaskGpu.ordinal(Map.of("gpu", gpus("2", "3"))), "the first of several");
  }

  private static ResourceInformation gpus(String... addresses) {
    return new ResourceInformation("gpu", addresses);
  }

  /**
   * One local-cluster application for both checks (its executor JVMs take most of the time):
   * every barrier task sees a distinct GPU, and three workers on two GPUs fail up front.
   */
  @Test
  void barrierTasksGetDistinctGpusAndTooManyWorkersFailAtOnce(@TempDir Path dir)
      throws Exception {
    Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
    Path fake = dir.resolve("fake-gpus.sh");
    Files.writeString(fake, "#!/bin/sh\necho '{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}'\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    // One worker with two cores and two GPUs; executors of one core, so it runs two of them,
    // each with one of the worker's GPUs. (Two workers on one host would both hand out "0":
    // a standalone worker does not know its neighbour's GPUs.)
    String master = "local-cluster[1,2,1024]";
    Map<String, String> given = new TreeMap<>(Map.of(
        "spark.worker.resource.gpu.amount", "2",
        "spark.worker.resource.gpu.discoveryScript", fake.toString(),
        "spark.executor.cores", "1",
        "spark.executor.memory", "512m"));
    SparkSession.Builder b = SparkSession.builder().master(master).appName("gpu-scheduling")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.executor.extraClassPath", classpath());
    given.forEach(b::config);
    GpuScheduling.settings(master, 2, given, null).forEach(b::config);
    SparkSession spark = b.getOrCreate();
    try {
      GpuScheduling.awaitGpus(spark.sparkContext(), 2);
      JavaRDD<Integer> two = JavaSparkContext.fromSparkContext(spark.sparkContext())
          .parallelize(List.of(0, 1), 2);
      Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<String>> task =
          (Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<String>>
              & Serializable) rows -> CollectionConverters.asScala(List.of(
                  BarrierTaskContext.get().partitionId() + "=" + GpuScheduling.assignedGpu(
                      BarrierTaskContext.get())).iterator());
      List<String> seen = new ArrayList<>(JavaRDD.fromRDD(two.rdd().barrier()
          .mapPartitions(task, false, ClassTag$.MODULE$.apply(String.class)),
          ClassTag$.MODULE$.apply(String.class)).collect());
      seen.sort(null);
      assertEquals(2, seen.size(), seen.toString());
      assertEquals(List.of("0", "1"), seen.stream().map(s -> s.substring(s.indexOf('=') + 1))
          .sorted().toList(), "each task its own GPU: " + seen);

      // an inference task (not a barrier one) reads the same address through TaskGpu
      List<String> plain = JavaSparkContext.fromSparkContext(spark.sparkContext())
          .parallelize(List.of(0, 1, 2, 3), 4).map(i -> TaskContext.get().resourcesJMap()
              .get("gpu").addresses()[0] + "=" + TaskGpu.ordinal()).collect();
      assertEquals(4, plain.size());
      for (String p : plain) {
        assertEquals(p.substring(0, p.indexOf('=')), p.substring(p.indexOf('=') + 1), plain
            .toString());
      }

      long t0 = System.nanoTime();
      assertEquals("--workers 3 needs 3 GPUs at once, one per barrier task; the cluster offers"
          + " 2 (on 2 executors)", assertThrows(IllegalArgumentException.class,
              () -> GpuScheduling.awaitGpus(spark.sparkContext(), 3)).getMessage());
      double waited = (System.nanoTime() - t0) / 1e9;
      assertEquals(true, waited < 5, "failed without waiting: " + waited + " s");
    } finally {
      spark.stop();
    }
  }

  /** This JVM's classpath with absolute paths, for the executor JVMs. */
  private static String classpath() {
    StringJoiner cp = new StringJoiner(File.pathSeparator);
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        cp.add(new File(entry).getAbsolutePath());
      }
    }
    return cp.toString();
  }
}
