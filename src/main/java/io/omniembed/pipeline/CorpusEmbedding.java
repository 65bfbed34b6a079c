package io.omniembed.pipeline;

import static org.apache.spark.sql.functions.col;

import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.EmbeddingParquet;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.KeptColumns;
import io.omniembed.io.Models;
import io.omniembed.io.OutputPrecision;
import io.omniembed.io.SourcedRecord;
import io.omniembed.ml.Embedder;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.Inference;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * One {@code embed} run, from its options to a finished output directory, in the order that
 * keeps a bad option from costing any work: the model and its --dim and --max-length, the input's
 * schema against the table options ({@link EmbedInput}), the output directory (empty, or holding
 * an earlier run of the same plan, {@link EmbedRun}); then the units not yet committed
 * ({@link EmbedPartition}), and last {@code _summary.json}, {@code _sample.jsonl} and
 * {@code _SUCCESS}.
 */
public final class CorpusEmbedding {

  private static final Logger LOG = LoggerFactory.getLogger(CorpusEmbedding.class);

  /** The options of a run; 0 for {@code dim}, {@code maxLength}, {@code partitions}: default. */
  public record Request(String model, String input, String out, int dim, int batchSize,
      int maxLength, int partitions, int sample, OutputPrecision precision,
      EmbedInput.Columns columns, String promptName, String promptText, Inference inference) {}

  /** The outcome: the summary of the work, or null when the output was already complete. */
  public record Result(EmbedSummary summary, String message) {}

  private CorpusEmbedding() {}

  public static Result run(SparkSession session, Request q) throws IOException {
    Configuration conf = session.sparkContext().hadoopConfiguration();
    EmbedRun.Plan earlier = EmbedRun.readPlan(q.out(), conf);
    if (earlier == null) {
      HadoopFiles.requireEmptyOutput(q.out(), conf, "remove it or choose another --out");
    }
    List<String> own = new EmbeddingParquet.Layout(q.precision(), KeptColumns.NONE).ownColumns();
    EmbedInput.Rows input = EmbedInput.read(session, q.input(), q.columns(), own);
    EmbeddingParquet.Layout layout = new EmbeddingParquet.Layout(q.precision(),
        new KeptColumns(input.kept()));
    // The model is loaded once on the driver here: a bad --model, --dim or --max-length fails
    // with one clear line instead of in every task.
    TextEmbedder model = Models.embedder(q.model(), q.inference(), conf, Embedder.threads());
    int dim = ItemEmbedding.resolveDim(model, q.dim());
    int maxLength = ItemEmbedding.resolveMaxLength(model, q.maxLength());
    Embedder embedder = new Embedder().setModelPath(q.model()).setInputCol(SourcedRecord.RECORD)
        .setSourceCol(SourcedRecord.SOURCE).setInputFormat("json")
        .setOutputCol(EmbedPartition.EMBEDDING).setDim(q.dim()).setBatchSize(q.batchSize())
        .setMaxLength(q.maxLength()).setHandleInvalid("keep").setErrorCol(EmbedPartition.ERROR)
        .setTokensCol(EmbedPartition.TOKENS).setTruncatedCol(EmbedPartition.TRUNCATED)
        .setPrompt(q.promptName() == null ? "" : q.promptName())
        .setPromptText(q.promptText() == null ? "" : q.promptText())
        .setEngine(q.inference().engine().key()).setPrecision(q.inference().precision().key())
        .setDevice(q.inference().device().key());
    String prompt;
    try {
      prompt = embedder.promptFor(model);
    } catch (IllegalArgumentException e) {   // the job's options, not the transformer's params
      throw new IllegalArgumentException(e.getMessage().replace("Embedder: set prompt or"
          + " promptText", "give --prompt or --prompt-text"), e);
    }
    Dataset<Row> rows = input.rows();
    embedder.transformSchema(rows.schema());

    int units = q.partitions() > 0 ? q.partitions() : earlier != null ? earlier.units()
        : Math.max(2 * session.sparkContext().defaultParallelism(), rows.rdd().getNumPartitions());
    // A new run reads the input once for the sizes of its records, which cut it into units; a
    // resumed run keeps the cuts of its plan.
    Sizer sizer = new Sizer(q.model(), q.inference(), new HadoopConf(conf), maxLength);
    Map<Integer, Long> sizes = earlier != null ? null : sizes(rows, sizer);
    UnitAssignment assignment = earlier != null ? earlier.assignment()
        : UnitAssignment.balanced(sizes, units, maxLength);
    EmbedRun.Plan plan = new EmbedRun.Plan(q.input(), EmbedRun.fingerprint(q.input(), conf),
        model.modelId(), model.modelHash(), dim, maxLength, units, q.precision(), q.columns(),
        prompt, model.engine(), model.precision(), assignment);
    Set<Integer> committed = Set.of();
    FileSystem fs = HadoopFiles.fs(q.out(), conf);
    if (earlier != null) {
      List<String> differences = earlier.differences(plan);
      if (!differences.isEmpty()) {
        throw new IllegalArgumentException("output " + q.out() + " holds another embed run ("
            + String.join("; ", differences) + "); remove it or choose another --out");
      }
      if (fs.exists(new Path(q.out(), "_SUCCESS"))) {
        return new Result(null, "embed: " + q.out() + " is already complete for this input and"
            + " model; nothing to do");
      }
      committed = new TreeSet<>(EmbedRun.committedUnits(q.out(), conf));
      LOG.info("embed: resuming {}: {} of {} units already committed", q.out(), committed.size(),
          units);
    } else {
      EmbedRun.writePlan(q.out(), plan, conf);
    }

    long total = sizes != null ? sizes.values().stream().mapToLong(Long::longValue).sum()
        : rows.count();
    rows = intoUnits(session, rows, units, assignment, sizer);
    LOG.info("embed: {} records from {} in {} units{}, model {} on {} {} ({} dims kept, {})",
        total, q.input(), units, assignment == null ? "" : " by size", q.model(), model.engine(),
        model.precision(), dim, q.precision().key());
    Dataset<Row> vectors = embedder.transform(rows).select(EmbedPartition.columns(
        !input.kept().isEmpty()).stream().map(c -> col(c)).toArray(Column[]::new));
    EmbedPartition.Settings settings = new EmbedPartition.Settings(model.modelId(),
        model.modelHash(), dim, layout, q.out(),
        total == 0 ? 0 : Math.min(1.0, 1.2 * q.sample() / total), committed, new HadoopConf(conf),
        prompt, model.engine(), model.precision());
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
    EmbedSummary summary = EmbedSummary.of(plan, layout, model.card().notes(), total, summaries,
        committed,
        (System.nanoTime() - start) / 1e9);
    fs.delete(new Path(q.out(), "_temporary"), true);
    summary.write(q.out(), conf);
    if (q.sample() > 0) {
      EmbedSummary.writeSample(q.out(), summaries, q.sample(), conf);
    }
    fs.create(new Path(q.out(), "_SUCCESS"), true).close();
    if (summary.embedded() + summary.failed() != total) {
      throw new IllegalStateException("embed: " + total + " records read but "
          + (summary.embedded() + summary.failed()) + " accounted for");
    }
    return new Result(summary, String.format("embed: %d embedded, %d failed (see %s/_errors),"
            + " %d truncated (%d text tokens%s); %s vectors; %.1f s, %.1f items/s -> %s",
        summary.embedded(), summary.failed(), q.out(), summary.truncated(), maxLength,
        model.media() == null ? "" : ", " + model.media().maxAudioPatches() + " audio patches, "
            + model.maxPositions() + " positions", q.precision().key(), summary.seconds(),
        summary.itemsPerSecond(), q.out()));
  }

  /**
   * A record's size in tokens of the model's tokenizer ({@link UnitAssignment#size}), on the
   * executors: the model is the one its tasks embed with, loaded once per JVM.
   */
  private record Sizer(String model, Inference inference, HadoopConf conf, int maxLength)
      implements java.io.Serializable {

    /** {@code (size, row)} for each row; the record is the row's field {@code recordAt}. */
    Iterator<Tuple2<Integer, Row>> sized(Iterator<Row> rows, int recordAt) {
      TextTokenizer tokenizer = Models.embedder(model, inference, conf.get(), Embedder.threads())
          .tokenizer();
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Tuple2<Integer, Row> next() {
          Row r = rows.next();
          return new Tuple2<>(UnitAssignment.size(r.getString(recordAt), tokenizer, maxLength),
              r);
        }
      };
    }
  }

  /** How many records of each size the input holds: one pass over it. */
  private static Map<Integer, Long> sizes(Dataset<Row> rows, Sizer sizer) {
    int recordAt = rows.schema().fieldIndex(SourcedRecord.RECORD);
    return rows.javaRDD().mapPartitionsToPair(it -> sizer.sized(it, recordAt)).countByKey();
  }

  /**
   * The rows in {@code units} partitions, partition u holding unit u: by the plan's size cuts
   * ({@link UnitAssignment}), or, for a plan from before the cuts ({@code assignment} null), by a
   * hash of file and content as that run assigned them.
   */
  private static Dataset<Row> intoUnits(SparkSession session, Dataset<Row> rows, int units,
      UnitAssignment assignment, Sizer sizer) {
    if (assignment == null) {
      return rows.repartition(units, col(SourcedRecord.SOURCE), col(SourcedRecord.RECORD));
    }
    int sourceAt = rows.schema().fieldIndex(SourcedRecord.SOURCE);
    int recordAt = rows.schema().fieldIndex(SourcedRecord.RECORD);
    JavaRDD<Row> byUnit = rows.javaRDD()
        .mapPartitionsToPair(it -> sizer.sized(it, recordAt))
        .mapToPair(sized -> new Tuple2<>(assignment.unit(sized._2().getString(sourceAt),
            sized._2().getString(recordAt), sized._1()), sized._2()))
        .partitionBy(assignment.partitioner())
        .values();
    return session.createDataFrame(byUnit, rows.schema());
  }

  private static Iterator<EmbedPartition.Summary> one(EmbedPartition.Summary s,
      LongAccumulator done) {
    done.add(s.embedded() + s.failed());
    return Collections.singletonList(s).iterator();
  }
}
