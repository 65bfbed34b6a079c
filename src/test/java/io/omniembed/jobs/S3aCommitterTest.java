package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.ml.Embedder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark's own Parquet writer (as a user's pipeline with {@link Embedder} uses it) on s3a with
 * the S3A "magic" committer, against S3Proxy: a finished write is committed by the s3a
 * committer (its JSON _SUCCESS manifest says so), and a write whose task fails leaves no data
 * file visible under the destination.
 */
class S3aCommitterTest {

  /** The settings README "Object stores" gives for Spark DataFrame writes to S3. */
  static final Map<String, String> SQL = Map.of(
      "spark.sql.sources.commitProtocolClass",
      "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol",
      "spark.sql.parquet.output.committer.class",
      "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter");
  static final Map<String, String> HADOOP = Map.of(
      "fs.s3a.committer.name", "magic",
      "fs.s3a.committer.magic.enabled", "true",
      "fs.s3a.committer.abort.pending.uploads", "false",
      "mapreduce.outputcommitter.factory.scheme.s3a",
      "org.apache.hadoop.fs.s3a.commit.S3ACommitterFactory");

  @Test
  void magicCommitterCommitsWholeOutputsAndHidesFailedOnes(@TempDir Path dir) throws Exception {
    try (S3Server s3 = new S3Server(dir.resolve("s3"))) {
      SparkSession spark = LocalSpark.start();
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      Map<String, String> saved = new java.util.HashMap<>();
      Configuration own = s3.hadoop();
      List<String> keys = new ArrayList<>();
      own.forEach(e -> {
        if (e.getKey().startsWith("fs.s3a.")) {
          keys.add(e.getKey());
        }
      });
      keys.addAll(HADOOP.keySet());
      for (String k : keys) {
        saved.put(k, hadoop.get(k));
        hadoop.set(k, HADOOP.containsKey(k) ? HADOOP.get(k) : own.get(k));
      }
      SQL.forEach((k, v) -> spark.conf().set(k, v));
      try {
        StructType schema = new StructType().add("id", DataTypes.StringType)
            .add("text", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          rows.add(RowFactory.create("r" + i, "sentence number " + i));
        }
        Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(4);
        Embedder embedder = new Embedder().setModelPath("pretrained:all-MiniLM-L6-v2")
            .setInputCol("text").setDim(64);
        String ok = s3.url("committed");
        embedder.transform(df).select("id", "embedding").write().parquet(ok);
        FileSystem fs = new org.apache.hadoop.fs.Path(ok).getFileSystem(own);
        JsonNode success;
        try (var in = fs.open(new org.apache.hadoop.fs.Path(ok + "/_SUCCESS"))) {
          success = new ObjectMapper().readTree(new String(in.readAllBytes(),
              StandardCharsets.UTF_8));
        }
        assertEquals("magic", success.path("committer").asText(), success.toString());
        assertEquals(40, spark.read().parquet(ok).count());

        // one partition holds a row the embedder refuses: its task fails, so does the job
        List<Row> withBad = new ArrayList<>(rows);
        withBad.add(RowFactory.create("bad", "   "));
        String failed = s3.url("failed");
        Dataset<Row> bad = spark.createDataFrame(withBad, schema).repartition(4);
        assertThrows(Exception.class, () -> embedder.transform(bad).select("id", "embedding")
            .write().parquet(failed));
        for (String visible : list(fs, failed)) {
          String name = visible.substring(visible.lastIndexOf('/') + 1);
          assertTrue(!name.startsWith("part-") || visible.contains("__magic"),
              "a data file of the failed write is visible: " + visible);
        }
      } finally {
        SQL.keySet().forEach(k -> spark.conf().unset(k));
        saved.forEach((k, v) -> {
          if (v == null) {
            hadoop.unset(k);
          } else {
            hadoop.set(k, v);
          }
        });
      }
    }
  }

  static List<String> list(FileSystem fs, String url) throws Exception {
    List<String> out = new ArrayList<>();
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(url);
    if (!fs.exists(p)) {
      return out;
    }
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
    while (it.hasNext()) {
      out.add(it.next().getPath().toString());
    }
    return out;
  }
}
