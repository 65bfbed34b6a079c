package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on 127.0.0.1, started from the project's own classpath (no
 * Spark distribution): a master and two workers, each its own JVM, each worker starting its
 * executor JVM. {@code embed} and {@code train --workers 2} are submitted in client mode (the
 * job's JVM is the driver, as with {@code spark-submit --deploy-mode client}) and their outputs
 * match the same jobs on {@code local[2]}.
 */
class StandaloneClusterTest {

  @Test
  void embedAndTwoWorkerTrainingOnAStandaloneCluster(@TempDir Path dir) throws Exception {
    int port = freePort();
    int ui = freePort();
    String master = "spark://127.0.0.1:" + port;
    List<Process> cluster = new ArrayList<>();
    try {
      cluster.add(daemon(dir, "master", "org.apache.spark.deploy.master.Master", "--host",
          "127.0.0.1", "--port", Integer.toString(port), "--webui-port",
          Integer.toString(ui)));
      for (int w = 0; w < 2; w++) {
        cluster.add(daemon(dir, "worker-" + w, "org.apache.spark.deploy.worker.Worker",
            "--host", "127.0.0.1", "--cores", "1", "--memory", "1500m", "--webui-port",
            Integer.toString(freePort()), "--work-dir", dir.resolve("work-" + w).toString(),
            master));
      }
      waitForWorkers(dir, ui, 2);

      Path model = EmbedResumeTest.tinyModel(dir);
      Path items = EmbedResumeTest.input(dir, 300);
      List<String> onCluster = new ArrayList<>(List.of("--master", master, "--conf",
          "spark.driver.host=127.0.0.1", "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
          "--conf", "spark.executor.memory=1g", "--conf", "spark.cores.max=2"));
      onCluster.addAll(JobProcess.executorConf());

      List<String> embed = new ArrayList<>(List.of("embed", "--model", model.toString(),
          "--input", items.toString(), "--out", dir.resolve("vectors").toString(),
          "--partitions", "4"));
      embed.addAll(onCluster);
      JobProcess.Result e = JobProcess.run(embed, Map.of(), dir.resolve("embed.log"));
      assertEquals(0, e.exitCode(), e.output());
      JobRunner.Result local = JobRunner.run("embed", "--model", model.toString(), "--input",
          items.toString(), "--out", dir.resolve("vectors-local").toString(), "--partitions",
          "4", "--master", "local[2]");
      assertEquals(0, local.exitCode(), local.err());
      Map<String, float[]> got = EmbedResumeTest.vectors(dir.resolve("vectors"));
      Map<String, float[]> want = EmbedResumeTest.vectors(dir.resolve("vectors-local"));
      assertEquals(want.keySet(), got.keySet());
      for (var v : want.entrySet()) {
        assertArrayEquals(v.getValue(), got.get(v.getKey()), 1e-5f, v.getKey());
      }
      // the work ran in the executors the workers started
      assertTrue(executorLogs(dir).contains("embed part-"), "executor logs show embed units");

      Path data = dir.resolve("pairs.jsonl");
      Files.writeString(data, S3aEndToEndTest.pairs());
      List<String> train = new ArrayList<>(List.of("train", "--data", data.toString(), "--init",
          "random:tiny", "--out", dir.resolve("ckpt").toString(), "--workers", "2", "--set",
          "train.steps=8", "--set", "train.batch_size=8", "--set", "train.checkpoint_every=4"));
      train.addAll(onCluster);
      JobProcess.Result t = JobProcess.run(train, Map.of(), dir.resolve("train.log"));
      assertEquals(0, t.exitCode(), t.output());
      List<String> metrics = Files.readAllLines(dir.resolve("ckpt").resolve("metrics.jsonl"));
      assertEquals(8, metrics.size());
      JsonNode last = new ObjectMapper().readTree(metrics.get(7));
      assertEquals(2, last.get("workers").asInt());
      assertTrue(last.get("all_reduce_bytes").asLong() > 0, last.toString());
      assertTrue(Files.exists(dir.resolve("ckpt").resolve("final").resolve("params.bin")));
    } finally {
      for (Process p : cluster) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor();
      }
    }
  }

  private static Process daemon(Path dir, String name, String main, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(JobProcess.java());
    cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
        .stream().filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports"))
        .toList());
    JobProcess.Launch launch = JobProcess.launch();
    cmd.addAll(launch.flags());
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(launch.classpath());
    cmd.add(main);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    // the Worker wants SPARK_HOME (a directory with jars/) and the Scala version to launch
    // executors; surefire provides both, as jobs/omniembed does
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return pb.start();
  }

  /** Polls the master's status page until {@code n} workers are alive. */
  private static void waitForWorkers(Path dir, int ui, int n) throws Exception {
    long deadline = System.nanoTime() + 90_000_000_000L;
    String last = "";
    while (System.nanoTime() < deadline) {
      try (var in = new java.net.URL("http://127.0.0.1:" + ui + "/json/").openStream()) {
        JsonNode status = new ObjectMapper().readTree(in);
        last = status.toString();
        if (status.path("aliveworkers").asInt() >= n) {
          return;
        }
      } catch (IOException notYet) {
        last = notYet.toString();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("workers did not register: " + last + "\n"
        + Files.readString(dir.resolve("master.log")) + Files.readString(dir.resolve("worker-0.log")));
  }

  private static String executorLogs(Path dir) throws IOException {
    StringBuilder all = new StringBuilder();
    for (int w = 0; w < 2; w++) {
      Path work = dir.resolve("work-" + w);
      if (!Files.isDirectory(work)) {
        continue;
      }
      try (var files = Files.walk(work)) {
        for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
          all.append(Files.readString(f));
        }
      }
    }
    return all.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
