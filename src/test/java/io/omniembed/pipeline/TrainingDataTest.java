package io.omniembed.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.omniembed.config.TaskConfig;
import io.omniembed.io.ItemSource;
import io.omniembed.io.SourcedRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/** The examples every worker gets at every step depend on the data, not on Spark's splits. */
class TrainingDataTest {

  static SparkSession spark;
  static final List<TaskConfig> TASKS = List.of(new TaskConfig("x", "task: x | query: ", 1.0, 4),
      new TaskConfig("y", "task: y | query: ", 2.0, 3));

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("training-data-test")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** Three files of different sizes, two tasks, one record repeated within a file. */
  static Path data(Path dir) throws Exception {
    Path root = dir.resolve("data");
    Files.createDirectories(root);
    write(root.resolve("a.jsonl"), "a", 30);
    write(root.resolve("b.jsonl"), "b", 12);
    write(root.resolve("c.jsonl"), "c", 21);
    return root;
  }

  private static void write(Path file, String name, int n) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i % 7 == 6 ? i - 1 : i;   // every seventh record repeats the one before it
      lines.add("{\"task\": \"" + (k % 3 == 0 ? "x" : "y") + "\", \"query\": \"query " + name + k
          + "\", \"positive\": \"positive " + name + k + " of file " + name + "\"}");
    }
    Files.write(file, lines);
  }

  /** Worker partitions of (key, record) with the input split into pieces of at most maxBytes. */
  static List<List<Tuple2<Long, SourcedRecord>>> shards(Path data, long maxBytes)
      throws Exception {
    spark.conf().set("spark.sql.files.maxPartitionBytes", Long.toString(maxBytes));
    TrainingData.Scan scan = TrainingData.scan(spark, data.toString());
    assertEquals(java.util.Map.of("x", 19L, "y", 44L), scan.perTask());
    return TrainingData.shard(scan, TrainingData.plan(scan, TASKS, 5, 20, 2)).glom().collect();
  }

  static int inputPartitions(Path data) throws Exception {
    return ItemSource.records(spark, data.toString(), columns -> { }).javaRDD()
        .getNumPartitions();
  }

  @Test
  void theShardsDoNotDependOnTheInputSplits(@TempDir Path dir) throws Exception {
    Path data = data(dir);
    List<List<Tuple2<Long, SourcedRecord>>> whole = shards(data, 128L << 20);
    int wholeFiles = inputPartitions(data);
    List<List<Tuple2<Long, SourcedRecord>>> pieces = shards(data, 300);
    int pieceCount = inputPartitions(data);
    assertNotEquals(wholeFiles, pieceCount, "the two reads split the input differently");
    assertEquals(2, whole.size());
    io.omniembed.train.TaskSampler sampler = new io.omniembed.train.TaskSampler(TASKS,
        new int[] {19, 44}, 5);
    int rows = 0;
    for (int step = 1; step <= 20; step++) {
      rows += TASKS.get(sampler.taskOf(step)).batchSize();
    }
    assertEquals(rows, whole.get(0).size() + whole.get(1).size(), "every slot of 20 steps");
    assertEquals(whole, pieces);
  }

  @Test
  void filesAreNamedRelativeToTheDataRoot(@TempDir Path dir) throws Exception {
    Path data = data(dir);
    Configuration conf = new Configuration();
    assertEquals(data.toString(), TrainingData.root(data.toString(), conf));
    assertEquals(data.toString(), TrainingData.root(data.resolve("a.jsonl").toString(), conf));
    assertEquals(data.toString(), TrainingData.root(data + "/*.jsonl", conf));
    assertEquals(data.getParent().toString(), TrainingData.root(data.getParent() + "/d*/a.jsonl",
        conf));
    assertEquals("more/b.jsonl", ScannedExample.relative("file://" + data + "/more/b.jsonl",
        data.toString()));
    assertEquals("more/b.jsonl", ScannedExample.relative("s3a://bucket" + data
        + "/more/b.jsonl", data.toString()), "another filesystem, the same name");
    assertEquals("a b.jsonl", ScannedExample.relative("file:///d/a%20b.jsonl", "/d"));
  }
}
