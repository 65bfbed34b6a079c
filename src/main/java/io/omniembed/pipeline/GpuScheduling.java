package io.omniembed.pipeline;

import io.omniembed.io.TaskGpu;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import scala.Option;

/**
 * Training on GPU executors the way Spark schedules resources (Spark's "Custom Resource
 * Scheduling", resource name {@code gpu}): each executor asks for one GPU
 * ({@code spark.executor.resource.gpu.amount=1}), each barrier task for one
 * ({@code spark.task.resource.gpu.amount=1}), executors find theirs with a discovery script
 * ({@code conf/gpu-discovery.sh}, which prints nvidia-smi's indices as
 * {@code {"name":"gpu","addresses":["0",...]}}), and each task reads the address Spark assigned
 * it from {@link TaskContext#resources()} ({@link #assignedGpu}).
 *
 * <p>One GPU per executor JVM, and so one worker per executor: the layers keep a few small
 * arrays (RowOps' ones vectors) per JVM, and ND4J binds arrays to the device of the thread that
 * made them, so two GPUs in one JVM would share arrays across devices.
 *
 * <p>These settings must be in place before the SparkContext starts ({@link #settings}); once it
 * runs, {@link #awaitGpus} checks that the executors hold a GPU for every worker, because a
 * barrier stage that asks for more GPUs than the cluster has does not fail at once: Spark
 * re-checks its slots every 15 s, 40 times, then fails with a message about slots.
 */
public final class GpuScheduling {

  /** Spark's name of the resource. */
  public static final String GPU = TaskGpu.RESOURCE;
  static final String EXECUTOR_AMOUNT = "spark.executor.resource.gpu.amount";
  static final String TASK_AMOUNT = "spark.task.resource.gpu.amount";
  static final String DISCOVERY_SCRIPT = "spark.executor.resource.gpu.discoveryScript";
  static final String LISTENERS = "spark.extraListeners";
  /** The discovery script, relative to the project's directory (OMNIEMBED_HOME). */
  public static final String SCRIPT = TaskGpu.SCRIPT;

  private static final Pattern LOCAL = Pattern.compile("local(\\[.*])?");
  private static final Pattern LOCAL_CLUSTER =
      Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,.*]");

  private GpuScheduling() {}

  /**
   * The Spark settings a run of {@code workers} GPU workers on {@code master} adds to those
   * already {@code given} (spark-submit's and {@code --conf}'s), to apply before the session
   * starts: the GPU amounts unless given, the discovery script under {@code home} unless one is
   * given, and the listener that {@link #awaitGpus} reads, added to any given listeners. Given
   * amounts other than one GPU per executor and per task are refused.
   *
   * <p>On a {@code local} master every worker is a thread of this JVM and Spark assigns no
   * resources: one worker there uses the first GPU the process sees, more are refused.
   *
   * @param home the project's directory, where {@link #SCRIPT} lives; null when unknown
   */
  public static Map<String, String> settings(String master, int workers,
      Map<String, String> given, String home) {
    Map<String, String> s = new LinkedHashMap<>();
    if (LOCAL.matcher(master).matches()) {
      if (workers > 1) {
        throw new IllegalArgumentException("--device cuda with --master " + master + " runs"
            + " every worker in this JVM, which drives one GPU; give --workers 1, or a master"
            + " with one executor per GPU (local-cluster[W,C,MB], standalone, YARN, Kubernetes)");
      }
      return s;
    }
    requireOne(given, EXECUTOR_AMOUNT, "one GPU, and one worker, per executor JVM");
    requireOne(given, TASK_AMOUNT, "one GPU per barrier task");
    s.put(EXECUTOR_AMOUNT, "1");
    s.put(TASK_AMOUNT, "1");
    discoveryScript(s, master, given, home);
    String listeners = given.get(LISTENERS);
    s.put(LISTENERS, listeners == null || listeners.isBlank() ? ExecutorGpus.class.getName()
        : listeners + "," + ExecutorGpus.class.getName());
    return s;
  }

  /**
   * The Spark settings of an inference job ({@code embed}, {@code eval}, {@code search}) with
   * {@code --device cuda}, added to those {@code given}: one GPU per executor and one per task
   * unless given (a given amount is kept as it is: a task amount below 1, say 0.25, lets four
   * tasks share an executor's GPU, each running its model on the GPU Spark names,
   * {@link TaskGpu}), and the discovery script as for training. Nothing on local masters, where
   * every task uses the first GPU the process sees.
   */
  public static Map<String, String> inferenceSettings(String master, Map<String, String> given,
      String home) {
    Map<String, String> s = new LinkedHashMap<>();
    if (LOCAL.matcher(master).matches()) {
      return s;
    }
    if (!given.containsKey(EXECUTOR_AMOUNT)) {
      s.put(EXECUTOR_AMOUNT, "1");
    }
    if (!given.containsKey(TASK_AMOUNT)) {
      s.put(TASK_AMOUNT, "1");
    }
    discoveryScript(s, master, given, home);
    return s;
  }

  /** The project's discovery script under {@code home}, unless {@code given} names one. */
  private static void discoveryScript(Map<String, String> s, String master,
      Map<String, String> given, String home) {
    if (given.containsKey(DISCOVERY_SCRIPT)) {
      return;
    }
    File script = home == null ? null : new File(home, SCRIPT);
    if (script != null && script.isFile()) {
      s.put(DISCOVERY_SCRIPT, script.getAbsolutePath());
    } else if (master.startsWith("yarn") || master.startsWith("k8s://")) {
      // Standalone executors get their GPUs from their worker's own discovery; on YARN and
      // Kubernetes each executor runs the script itself.
      throw new IllegalArgumentException("--device cuda on " + master + " needs --conf "
          + DISCOVERY_SCRIPT + "=PATH, a script on every executor host (ship " + SCRIPT
          + " with --files and give ./gpu-discovery.sh), or OMNIEMBED_HOME set to the"
          + " project's directory");
    }
  }

  private static void requireOne(Map<String, String> given, String key, String why) {
    String v = given.get(key);
    if (v != null && Double.parseDouble(v.strip()) != 1.0) {
      throw new IllegalArgumentException("train --device cuda runs " + why + ": " + key
          + " must be 1, not " + v);
    }
  }

  /**
   * Returns once the executors hold a GPU for each of {@code workers} barrier tasks; otherwise
   * fails with how many the cluster offers. Executors register after the context starts, so it
   * waits for them up to Spark's {@code spark.scheduler.maxRegisteredResourcesWaitingTime}
   * (default 30 s), or less when the number of executors to come is known
   * ({@code spark.executor.instances}, or a local-cluster master's). Does nothing on local
   * masters and with dynamic allocation, which barrier stages refuse themselves.
   */
  public static void awaitGpus(SparkContext sc, int workers) {
    SparkConf conf = sc.getConf();
    if (LOCAL.matcher(sc.master()).matches()
        || conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
      return;
    }
    ExecutorGpus executors = ExecutorGpus.latest;
    if (executors == null) {
      throw new IllegalStateException(ExecutorGpus.class.getName() + " is not among the"
          + " session's " + LISTENERS + ": create the session with GpuScheduling.settings");
    }
    long waitMs = conf.getTimeAsMs("spark.scheduler.maxRegisteredResourcesWaitingTime", "30s");
    int expected = expectedExecutors(conf, sc.master());
    long deadline = System.nanoTime() + waitMs * 1_000_000;
    while (executors.gpus() < workers
        && (expected < 0 || executors.count() < expected)
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for executors");
      }
    }
    int gpus = executors.gpus();
    if (gpus < workers) {
      int count = executors.count();
      String after = expected >= 0 && count >= expected ? ""
          : ", after waiting " + waitMs / 1000 + " s for more";
      throw new IllegalArgumentException("--workers " + workers + " needs " + workers + " GPUs"
          + " at once, one per barrier task; the cluster offers " + gpus + " (on " + count
          + " executor" + (count == 1 ? "" : "s") + after + ")"
          + (gpus == 0 ? ": standalone workers need spark.worker.resource.gpu.amount and"
              + " spark.worker.resource.gpu.discoveryScript" : ""));
    }
  }

  /** How many executors the application will get, when the settings say; else −1. */
  static int expectedExecutors(SparkConf conf, String master) {
    if (conf.contains("spark.executor.instances")) {
      return conf.getInt("spark.executor.instances", 0);
    }
    Matcher m = LOCAL_CLUSTER.matcher(master);
    if (m.matches()) {
      int workerCores = Integer.parseInt(m.group(2));
      int executorCores = conf.getInt("spark.executor.cores", workerCores);
      return Integer.parseInt(m.group(1)) * Math.max(1, workerCores / executorCores);
    }
    return -1;
  }

  /**
   * The GPU Spark assigned to the running task, as a CUDA device ordinal; 0, the first GPU the
   * process sees, where Spark assigns none (local masters). Called by each barrier task before
   * its model exists.
   */
  static int assignedGpu(TaskContext ctx) {
    return gpuIndex(ctx.resourcesJMap());
  }

  /** {@link #assignedGpu} on a task's resources: exactly one GPU, or none (GPU 0). */
  static int gpuIndex(Map<String, ResourceInformation> resources) {
    ResourceInformation gpu = resources.get(GPU);
    if (gpu != null && gpu.addresses().length != 1) {
      throw new IllegalArgumentException("this task was given GPUs "
          + java.util.Arrays.toString(gpu.addresses()) + "; train runs one per task ("
          + TASK_AMOUNT + "=1)");
    }
    return TaskGpu.ordinal(resources);
  }

  /**
   * Counts the GPUs of the application's live executors as they register (Spark's listener bus
   * delivers the executors registered before it started, too). Spark creates it from {@code
   * spark.extraListeners}; {@link #awaitGpus} reads the latest one, that of the context of this
   * JVM.
   */
  public static final class ExecutorGpus extends SparkListener {

    private static volatile ExecutorGpus latest;
    private final Map<String, Integer> gpusByExecutor = new ConcurrentHashMap<>();

    public ExecutorGpus() {
      latest = this;
    }

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded added) {
      Option<ResourceInformation> gpu = added.executorInfo().resourcesInfo().get(GPU);
      gpusByExecutor.put(added.executorId(), gpu.isDefined() ? gpu.get().addresses().length : 0);
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
      gpusByExecutor.remove(removed.executorId());
    }

    int count() {
      return gpusByExecutor.size();
    }

    int gpus() {
      return gpusByExecutor.values().stream().mapToInt(Integer::intValue).sum();
    }
  }
}
