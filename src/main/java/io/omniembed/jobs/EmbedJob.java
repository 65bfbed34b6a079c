package io.omniembed.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get_json_object;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.pipeline.EmbedPartition;
import io.omniembed.pipeline.EmbedRun;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.ItemSource;
import io.omniembed.ml.Embedder;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.model.ModelSpec;
import io.omniembed.io.Models;
import io.omniembed.model.TextEmbedder;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code embed}: items (JSONL or Parquet) in, Parquet vectors out. */
@Command(name = "embed", mixinStandardHelpOptions = true,
    description = {"Embed items (JSONL or Parquet, any Hadoop path) into Parquet vectors.",
        "Writes OUT/part-NNNNN.parquet (id, embedding array<float>, L2-normalised; model id, hash,"
            + " dim and normalisation in the file metadata), OUT/_errors/*.jsonl for rows that"
            + " could not be embedded (id, source, reason), and OUT/_summary.json."})
public final class EmbedJob implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(EmbedJob.class);

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "Checkpoint directory, hf:PATH (a Hugging Face encoder folder) or"
          + " pretrained:all-MiniLM-L6-v2.")
  String model;

  @Option(names = "--input", required = true, paramLabel = "PATH",
      description = "JSONL or Parquet file, directory or glob.")
  String input;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Option(names = "--partitions", paramLabel = "P", defaultValue = "0",
      description = "Input partitions (one output file each). Default: at least 2 per core.")
  int partitions;

  @Option(names = "--sample", paramLabel = "N", defaultValue = "1000",
      description = "Also write about N embedded rows (a fixed hash sample of the ids) to"
          + " OUT/_sample.jsonl for plots (default: ${DEFAULT-VALUE}; 0: none).")
  int sample;

  @Mixin
  EmbeddingOptions embedding;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    ModelSpec.parse(model, ModelSpec.Use.EMBED);
    embedding.validate();
    SparkSession session = spark.session("embed");
    Configuration conf = session.sparkContext().hadoopConfiguration();
    EmbedRun.Plan earlier = earlierRun(conf);
    Dataset<Row> rows = ItemSource.read(session, input);
    // The model is loaded once on the driver here: a bad --model, --dim or --max-length fails
    // with one clear line instead of in every task.
    Embedder embedder = new Embedder()
        .setModelPath(model)
        .setInputCol("record")
        .setSourceCol("source")
        .setInputFormat("json")
        .setOutputCol("embedding")
        .setDim(embedding.dim)
        .setBatchSize(embedding.batchSize)
        .setMaxLength(embedding.maxLength)
        .setHandleInvalid("keep")
        .setErrorCol("error")
        .setTokensCol("tokens")
        .setTruncatedCol("truncated");
    TextEmbedder loaded = Models.embedder(model, conf, Embedder.threads());
    int outDim = ItemEmbedding.resolveDim(loaded, embedding.dim);
    int tokens = ItemEmbedding.resolveMaxLength(loaded, embedding.maxLength);
    embedder.transformSchema(rows.schema());
    int units;
    if (partitions > 0) {
      units = partitions;
    } else if (earlier != null) {
      units = earlier.units();
    } else {
      units = Math.max(2 * session.sparkContext().defaultParallelism(),
          rows.rdd().getNumPartitions());
    }
    EmbedRun.Plan plan = new EmbedRun.Plan(input, EmbedRun.fingerprint(input, conf),
        loaded.modelId(), loaded.modelHash(), outDim, tokens, units);
    Set<Integer> committed = Set.of();
    FileSystem fs = HadoopFiles.fs(out, conf);
    if (earlier != null) {
      List<String> differences = earlier.differences(plan);
      if (!differences.isEmpty()) {
        throw new IllegalArgumentException("output " + out + " holds another embed run ("
            + String.join("; ", differences) + "); remove it or choose another --out");
      }
      if (fs.exists(new Path(out, "_SUCCESS"))) {
        System.out.println("embed: " + out + " is already complete for this input and model;"
            + " nothing to do");
        return 0;
      }
      committed = new TreeSet<>(EmbedRun.committedUnits(out, conf));
      LOG.info("embed: resuming {}: {} of {} units already committed", out, committed.size(),
          units);
    } else {
      EmbedRun.writePlan(out, plan, conf);
    }
    long total = rows.count();
    // Rows go to units by a hash of their file and content, so a unit holds the same rows on
    // every run (what resuming relies on), whatever the input's splits.
    rows = rows.repartition(units, col("source"), col("record"));
    LOG.info("embed: {} records from {} in {} units, model {} ({} dims kept)", total, input,
        units, model, outDim);

    // The id as ItemParser reads it ('id', else '_id'); only written next to the vector or error.
    Column id = coalesce(get_json_object(col("record"), "$.id"),
        get_json_object(col("record"), "$._id"));
    Dataset<Row> vectors = embedder.transform(rows.withColumn("id", id))
        .select(Arrays.stream(EmbedPartition.COLUMNS).map(functions::col).toArray(Column[]::new));
    EmbedPartition.Settings settings = new EmbedPartition.Settings(loaded.modelId(),
        loaded.modelHash(), outDim, out,
        total == 0 ? 0 : Math.min(1.0, 1.2 * sample / total), committed, new HadoopConf(conf));
    LongAccumulator done = session.sparkContext().longAccumulator("embedded");
    long start = System.nanoTime();
    List<EmbedPartition.Summary> summaries;
    try (Progress p = new Progress(LOG, "embed", total, done::value, 10)) {
      summaries = vectors.mapPartitions((MapPartitionsFunction<Row, EmbedPartition.Summary>) it ->
              one(EmbedPartition.run(TaskContext.getPartitionId(),
                  TaskContext.get().attemptNumber(), it, settings), done),
              Encoders.javaSerialization(EmbedPartition.Summary.class))
          .collectAsList();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long embedded = summaries.stream().mapToLong(EmbedPartition.Summary::embedded).sum();
    Set<Integer> before = committed;
    long embeddedNow = summaries.stream().filter(s -> !before.contains(s.partition()))
        .mapToLong(EmbedPartition.Summary::embedded).sum();   // this run's work
    long failed = summaries.stream().mapToLong(EmbedPartition.Summary::failed).sum();
    long truncated = summaries.stream().mapToLong(EmbedPartition.Summary::truncated).sum();
    long tokenCount = summaries.stream().mapToLong(EmbedPartition.Summary::tokens).sum();
    fs.delete(new Path(out, "_temporary"), true);
    writeSummary(conf, loaded, outDim, tokens, total, embedded, failed, truncated, tokenCount,
        seconds, units, committed.size(), embeddedNow);
    if (sample > 0) {
      writeSample(conf, summaries);
    }
    fs.create(new Path(out, "_SUCCESS"), true).close();
    System.out.printf("embed: %d embedded, %d failed (see %s/_errors), %d truncated (%d text"
            + " tokens%s); %.1f s, %.1f items/s -> %s%n", embedded, failed, out, truncated,
        tokens, loaded.media() == null ? "" : ", " + loaded.media().maxAudioPatches()
            + " audio patches, " + loaded.maxPositions() + " positions", seconds,
        embeddedNow / seconds, out);
    if (embedded + failed != total) {
      throw new IllegalStateException("embed: " + total + " records read but " + (embedded + failed)
          + " accounted for");
    }
    return 0;
  }

  private static Iterator<EmbedPartition.Summary> one(EmbedPartition.Summary s,
      LongAccumulator done) {
    done.add(s.embedded() + s.failed());
    return Collections.singletonList(s).iterator();
  }

  private void writeSummary(Configuration conf, TextEmbedder embedder, int outDim, int maxTokens,
      long total, long embedded, long failed, long truncated, long tokens, double seconds,
      int units, int resumedUnits, long embeddedNow) throws Exception {
    ObjectNode s = new ObjectMapper().createObjectNode();
    s.put("input", input);
    s.put("model_id", embedder.modelId());
    s.put("model_hash", embedder.modelHash());
    s.put("dim", outDim);
    s.put("normalization", "l2");
    if (!embedder.card().notes().isEmpty()) {
      var notes = s.putArray("model_notes");
      embedder.card().notes().forEach(notes::add);
    }
    s.put("records", total);
    s.put("embedded", embedded);
    s.put("failed", failed);
    s.put("truncated", truncated);
    s.put("max_tokens", maxTokens);
    s.put("tokens", tokens);
    s.put("units", units);
    s.put("units_committed_before", resumedUnits);
    s.put("seconds", seconds);
    s.put("items_per_second", embeddedNow / seconds);
    HadoopFiles.writeString(HadoopFiles.child(out, "_summary.json"),
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(s), conf);
  }

  /** The {@code sample} rows of lowest key, as JSON lines (Python reads them without Parquet). */
  private void writeSample(Configuration conf, List<EmbedPartition.Summary> summaries)
      throws java.io.IOException {
    StringBuilder lines = new StringBuilder();
    summaries.stream().flatMap(s -> s.sample().stream())
        .sorted(java.util.Comparator.comparingLong(EmbedPartition.SampleRow::key)
            .thenComparing(EmbedPartition.SampleRow::id))
        .limit(sample)
        .forEach(r -> lines.append(r.toJson()).append('\n'));
    HadoopFiles.writeString(HadoopFiles.child(out, "_sample.jsonl"), lines.toString(), conf);
  }

  /**
   * The plan of the earlier run in {@code --out}, null for a new output; refuses a non-empty
   * directory that is not an embed output, so two jobs never mix their files.
   */
  private EmbedRun.Plan earlierRun(Configuration conf) throws java.io.IOException {
    EmbedRun.Plan earlier = EmbedRun.readPlan(out, conf);
    if (earlier == null) {
      HadoopFiles.requireEmptyOutput(out, conf, "remove it or choose another --out");
    }
    return earlier;
  }
}
