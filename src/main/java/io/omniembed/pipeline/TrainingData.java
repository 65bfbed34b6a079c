package io.omniembed.pipeline;

import io.omniembed.io.SourcedRecord;

import io.omniembed.io.ItemSource;

import io.omniembed.config.TaskConfig;
import io.omniembed.data.TrainingExample;
import io.omniembed.train.BatchSchedule;
import io.omniembed.train.TaskSampler;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Training pairs/triplets (JSONL or Parquet, any Hadoop path) as Spark sees them, never collected
 * to the driver:
 * <ol>
 *   <li>{@link #scan} parses every record once ({@link ScannedExample}) and stops the run at the
 *       first that is not a valid example, with its file, its record number and the reason:
 *       training on silently skipped rows would make runs incomparable. It then sorts the
 *       examples into the data's order ({@link ScannedExample#ORDER}: by file, then by record)
 *       and counts each task's examples per sorted partition (the only things the driver
 *       receives).</li>
 *   <li>{@link #shard} numbers each task's examples in that order — the same however Spark split
 *       the input — and sends every example to the worker and steps that the
 *       {@link BatchSchedule} assigns it, sorted by (step, slot) within each worker's partition.
 *       A worker then streams exactly its share of every global batch.</li>
 * </ol>
 */
public final class TrainingData {

  private TrainingData() {}

  /** What one input partition holds: counts per source file, and its first bad record. */
  record PartitionStats(int partition, LinkedHashMap<String, Long> sources, String badSource,
      long badOrdinal, String badReason) implements Serializable {}

  /** The validated data in its order: examples per task, and per task and sorted partition. */
  public static final class Scan {
    private final JavaRDD<ScannedExample> examples;
    private final LinkedHashMap<String, Long> perTask;
    private final List<Map<String, Long>> partitions;

    Scan(JavaRDD<ScannedExample> examples, LinkedHashMap<String, Long> perTask,
        List<Map<String, Long>> partitions) {
      this.examples = examples;
      this.perTask = perTask;
      this.partitions = partitions;
    }

    /** Examples per task, by task name (the order of a mix taken from the data). */
    public Map<String, Long> perTask() {
      return perTask;
    }
  }

  public static Scan scan(SparkSession spark, String path) throws IOException {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("no training data: give --data PATH or set data in the"
          + " config");
    }
    JavaRDD<Row> read = ItemSource.records(spark, path,
        columns -> TrainingExample.checkColumns("training data " + path, columns)).javaRDD();
    String root = root(path, spark.sparkContext().hadoopConfiguration());
    JavaRDD<ScannedExample> scanned = read
        .map(row -> ScannedExample.of(SourcedRecord.of(row), root))
        .persist(StorageLevel.MEMORY_AND_DISK());
    List<PartitionStats> stats = new ArrayList<>(scanned
        .mapPartitionsWithIndex((p, rows) -> List.of(stats(p, rows)).iterator(), true)
        .collect());
    stats.sort(Comparator.comparingInt(PartitionStats::partition));
    Map<String, Long> before = new LinkedHashMap<>();   // records per source in earlier partitions
    for (PartitionStats s : stats) {
      if (s.badReason() != null) {
        scanned.unpersist();
        long n = before.getOrDefault(s.badSource(), 0L) + s.badOrdinal();
        throw new IllegalArgumentException(s.badSource() + " record " + n + ": "
            + s.badReason());
      }
      s.sources().forEach((k, v) -> before.merge(k, v, Long::sum));
    }
    if (before.isEmpty()) {
      scanned.unpersist();
      throw new IllegalArgumentException("training data " + path + " has no examples");
    }
    JavaRDD<ScannedExample> ordered = scanned.mapToPair(e -> new Tuple2<>(e, Boolean.TRUE))
        .sortByKey(ScannedExample.ORDER, true, scanned.getNumPartitions()).keys()
        .persist(StorageLevel.MEMORY_AND_DISK());
    List<Tuple2<Integer, LinkedHashMap<String, Long>>> counts = new ArrayList<>(ordered
        .mapPartitionsWithIndex((p, rows) -> List.of(new Tuple2<>(p, taskCounts(rows)))
            .iterator(), true)
        .collect());
    scanned.unpersist();
    counts.sort(Comparator.comparingInt(Tuple2::_1));
    java.util.TreeMap<String, Long> byName = new java.util.TreeMap<>();
    List<Map<String, Long>> partitions = new ArrayList<>();
    for (Tuple2<Integer, LinkedHashMap<String, Long>> c : counts) {
      c._2().forEach((k, v) -> byName.merge(k, v, Long::sum));
      partitions.add(c._2());
    }
    return new Scan(ordered, new LinkedHashMap<>(byName), partitions);
  }

  /**
   * The directory that the data's file paths are taken relative to, without scheme: {@code path}
   * itself when it is a directory, else the deepest directory above it without glob characters.
   */
  static String root(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    Path root = fs.makeQualified(p);
    if (hasGlob(root) || !fs.getFileStatus(root).isDirectory()) {
      root = root.getParent();
      while (root.getParent() != null && hasGlob(root)) {
        root = root.getParent();
      }
    }
    return root.toUri().getPath();
  }

  private static boolean hasGlob(Path p) {
    return p.toUri().getPath().matches(".*[*?\\[\\]{}].*");
  }

  /** Counts one input partition's rows by source; stops at its first bad record. */
  static PartitionStats stats(int partition, Iterator<ScannedExample> rows) {
    LinkedHashMap<String, Long> sources = new LinkedHashMap<>();
    while (rows.hasNext()) {
      ScannedExample e = rows.next();
      long ordinal = sources.merge(e.source(), 1L, Long::sum);
      if (e.problem() != null) {
        return new PartitionStats(partition, sources, e.source(), ordinal, e.problem());
      }
    }
    return new PartitionStats(partition, sources, null, 0, null);
  }

  private static LinkedHashMap<String, Long> taskCounts(Iterator<ScannedExample> rows) {
    LinkedHashMap<String, Long> tasks = new LinkedHashMap<>();
    rows.forEachRemaining(e -> tasks.merge(e.task(), 1L, Long::sum));
    return tasks;
  }

  /**
   * Where the examples go: the task mix (only these tasks are shipped), each task's pool size,
   * and per sorted partition the number of each task's examples in earlier partitions.
   */
  public record Plan(List<TaskConfig> tasks, int[] poolSizes, long seed, int steps, int workers,
      long[][] offsets) implements Serializable {

    public Plan {
      if (steps >= 1 << 28 || workers >= 1 << 15) {
        throw new IllegalArgumentException("at most 2^28 steps and 2^15 workers");
      }
      for (TaskConfig t : tasks) {
        if (t.batchSize() >= 1 << 20) {
          throw new IllegalArgumentException("task '" + t.name() + "': batch size over 2^20");
        }
      }
    }

    /** The key of a row: its worker in the top bits, then its step and slot, so it sorts so. */
    public static long key(int rank, int step, int slot) {
      return ((long) rank << 48) | ((long) step << 20) | slot;
    }

    public static int rank(long key) {
      return (int) (key >>> 48);
    }

    public static int step(long key) {
      return (int) ((key >>> 20) & ((1L << 28) - 1));
    }

    public static int slot(long key) {
      return (int) (key & ((1L << 20) - 1));
    }
  }

  public static Plan plan(Scan scan, List<TaskConfig> tasks, long seed, int steps, int workers) {
    int[] sizes = new int[tasks.size()];
    long[][] offsets = new long[scan.partitions.size()][tasks.size()];
    for (int t = 0; t < tasks.size(); t++) {
      String name = tasks.get(t).name();
      long running = 0;
      for (int p = 0; p < scan.partitions.size(); p++) {
        offsets[p][t] = running;
        running += scan.partitions.get(p).getOrDefault(name, 0L);
      }
      if (running > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("task '" + name + "' has over 2^31 examples");
      }
      sizes[t] = (int) running;
    }
    return new Plan(tasks, sizes, seed, steps, workers, offsets);
  }

  /**
   * Every example of the plan's tasks, with its data file, keyed by {@link Plan#key} for each
   * (step, slot) it is drawn into, in {@code workers} partitions (partition r = worker r) sorted
   * by key.
   */
  public static JavaPairRDD<Long, SourcedRecord> shard(Scan scan, Plan plan) {
    return scan.examples
        .mapPartitionsWithIndex((p, rows) -> assign(p, rows, plan), true)
        .mapToPair(t -> t)
        .repartitionAndSortWithinPartitions(new WorkerPartitioner(plan.workers()));
  }

  /**
   * The (key, record) pairs of one sorted partition's examples: the k-th example of task t in
   * partition p is that task's example number {@code offsets[p][t] + k}.
   */
  static Iterator<Tuple2<Long, SourcedRecord>> assign(int partition,
      Iterator<ScannedExample> rows, Plan plan) {
    BatchSchedule schedule = new BatchSchedule(new TaskSampler(plan.tasks(), plan.poolSizes(),
        plan.seed()), plan.steps());
    Map<String, Integer> taskIndex = new LinkedHashMap<>();
    for (int t = 0; t < plan.tasks().size(); t++) {
      taskIndex.put(plan.tasks().get(t).name(), t);
    }
    long[] next = plan.offsets()[partition].clone();
    List<Tuple2<Long, SourcedRecord>> out = new ArrayList<>();
    return new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        while (i >= out.size() && rows.hasNext()) {
          out.clear();
          i = 0;
          ScannedExample e = rows.next();
          Integer t = taskIndex.get(e.task());
          if (t == null) {
            continue;   // a task the mix leaves out
          }
          int batch = plan.tasks().get(t).batchSize();
          SourcedRecord sourced = e.sourced();
          for (BatchSchedule.Use u : schedule.uses(t, next[t]++)) {
            int rank = BatchSchedule.owner(batch, plan.workers(), u.slot());
            out.add(new Tuple2<>(Plan.key(rank, u.step(), u.slot()), sourced));
          }
        }
        return i < out.size();
      }

      @Override
      public Tuple2<Long, SourcedRecord> next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return out.get(i++);
      }
    };
  }

  /** Partition r holds worker r's rows. */
  static final class WorkerPartitioner extends Partitioner {
    private final int workers;

    WorkerPartitioner(int workers) {
      this.workers = workers;
    }

    @Override
    public int numPartitions() {
      return workers;
    }

    @Override
    public int getPartition(Object key) {
      return Plan.rank((Long) key);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof WorkerPartitioner w && w.workers == workers;
    }

    @Override
    public int hashCode() {
      return workers;
    }
  }
}
