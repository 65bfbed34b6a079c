package io.omniembed.jobs;

import io.omniembed.data.NegativeSelection;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.Models;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.onnx.Inference;
import io.omniembed.pipeline.HardNegativeMining;
import io.omniembed.pipeline.HardNegativeMining.Method;
import io.omniembed.pipeline.HardNegativeMining.Triplet;
import io.omniembed.pipeline.PairPreparation;
import io.omniembed.pipeline.TripletFiles;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code prepare}: training pairs → triplets with mined hard negatives. Wires
 * {@link PairPreparation} (parse, exclude, deduplicate), {@link HardNegativeMining} and
 * {@link TripletFiles}; holds no logic of its own.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true,
    description = {"Turn (task, query, positive) pairs into triplets with mined hard negatives:"
        + " deduplicated, with benchmark leakage removed and false negatives filtered.",
        "Writes OUT/task=NAME/part-*.jsonl, OUT/_summary.json and OUT/_errors/ (rows that could"
            + " not be read, with the reason)."})
public final class PrepareJob implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);

  @Option(names = "--pairs", required = true, paramLabel = "PATH",
      description = "Pairs (JSONL or Parquet): task, query, positive[, negatives].")
  String pairs;

  @Option(names = "--corpus", paramLabel = "PATH",
      description = "More documents to mine from (items: id and text), added to each task's"
          + " positives.")
  String corpus;

  @Option(names = "--negatives", required = true, paramLabel = "bm25|model|none",
      description = "How to mine hard negatives.")
  String negatives;

  @Option(names = "--model", paramLabel = "M",
      description = "Embedding model for --negatives model (a checkpoint, hf:PATH,"
          + " pretrained:... or onnx:...).")
  String model;

  @Option(names = "--num-negatives", defaultValue = "3", paramLabel = "N",
      description = "Negatives per example, its own included (default: ${DEFAULT-VALUE}).")
  int numNegatives;

  @Option(names = "--rank-range", defaultValue = "10:100", paramLabel = "FROM:TO",
      description = "Take candidates from these ranks only (default: ${DEFAULT-VALUE}).")
  String rankRange;

  @Option(names = "--max-relative-score", defaultValue = "0.95", paramLabel = "R",
      description = "Drop candidates scoring above R x the positive's score; 0 turns it off"
          + " (default: ${DEFAULT-VALUE}).")
  double maxRelativeScore;

  @Option(names = "--exclude", arity = "1..*", paramLabel = "DIR",
      description = "Benchmark directories (BEIR layout): pairs whose query or positive appears"
          + " in one are removed.")
  List<String> exclude = new ArrayList<>();

  @Option(names = "--shards", defaultValue = "0", paramLabel = "S",
      description = "Shards of each task's candidate pool (default: one per 50,000 documents,"
          + " at least the Spark parallelism).")
  int shards;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    Method method = Method.parse(negatives);
    if (method == Method.MODEL && model == null) {
      throw new IllegalArgumentException("--negatives model needs --model M ("
          + ModelSpec.Use.MINE.forms() + ")");
    }
    if (method != Method.MODEL && model != null) {
      throw new IllegalArgumentException("--model is only used with --negatives model");
    }
    HardNegativeMining.Settings settings = new HardNegativeMining.Settings(method, model,
        selection(), corpus, shards);
    SparkSession session = spark.session("prepare");
    Configuration conf = session.sparkContext().hadoopConfiguration();
    HadoopFiles.requireEmptyOutput(out, conf, "");
    if (method == Method.MODEL) {
      ModelSpec.parse(model, ModelSpec.Use.MINE);
      Models.embedder(model, Inference.DEFAULT, conf, 1);   // fails here, before any work
    }
    Broadcast<HashSet<Long>> excluded = new JavaSparkContext(session.sparkContext())
        .broadcast(PairPreparation.excludedKeys(session, exclude));

    PairPreparation.Prepared p = PairPreparation.run(session, pairs, excluded, out);
    LOG.info("prepare: {} pairs read, {} bad rows, {} removed by --exclude, {} duplicates",
        p.read(), p.bad(), p.excluded(), p.duplicates());
    JavaRDD<Triplet> triplets = method == Method.NONE
        ? p.pairs().map(x -> new Triplet(x.task(), x.record(), NegativeSelection.Counts.ZERO))
        : HardNegativeMining.mine(session, p.pairs(), settings, excluded)
            .persist(StorageLevel.MEMORY_AND_DISK());
    NegativeSelection.Counts c = triplets.map(Triplet::counts)
        .fold(NegativeSelection.Counts.ZERO, NegativeSelection.Counts::plus);
    TreeMap<String, Long> perTask = TripletFiles.write(triplets, out, new HadoopConf(conf));
    HadoopFiles.writeString(HadoopFiles.child(out, "_summary.json"),
        TripletFiles.summary(method, settings.selection(), p, perTask, c), conf);
    System.out.printf("prepare: %d triplets %s (%d rows read, %d bad, %d excluded, %d"
        + " duplicates; %d negatives mined) -> %s%n", p.read() - p.excluded() - p.duplicates(),
        perTask, p.read() + p.bad(), p.bad(), p.excluded(), p.duplicates(), c.kept(), out);
    return 0;
  }

  private NegativeSelection.Settings selection() {
    String[] r = rankRange.split(":");
    try {
      if (r.length == 2) {
        return new NegativeSelection.Settings(Integer.parseInt(r[0].strip()),
            Integer.parseInt(r[1].strip()), maxRelativeScore, numNegatives);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--rank-range must be FROM:TO, got " + rankRange);
  }
}
