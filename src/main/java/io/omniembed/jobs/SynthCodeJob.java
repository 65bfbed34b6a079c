package io.omniembed.jobs;

import io.omniembed.data.code.SyntheticCode;
import io.omniembed.io.HadoopFiles;
import io.omniembed.pipeline.SyntheticCodeStage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code synth-code}: synthetic code training data from real code; options, the plan of kinds,
 * then {@link SyntheticCodeStage}, one Spark task per source archive or file.
 */
@Command(name = "synth-code", mixinStandardHelpOptions = true,
    description = {"Synthetic code training pairs/triplets from real code: doc2code (Javadoc and"
        + " JSDoc -> code), code2code (rewritten clones), text2sql (generated schemas and"
        + " questions), code-feedback (injected bug + failure -> fix).",
        "Writes OUT/part-*.jsonl (task, query, positive, negatives) and OUT/_summary.json."})
public final class SynthCodeJob implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(SynthCodeJob.class);

  @Option(names = "--sources", arity = "1..*", paramLabel = "PATH",
      description = "Sources jars, zips, directories, .java or .js files; repeatable.")
  List<String> sources = new ArrayList<>();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Option(names = "--kinds", split = ",", paramLabel = "KIND",
      description = "doc2code,code2code,text2sql,code-feedback (default: all).")
  List<String> kindNames = new ArrayList<>();

  /** Where Debian's {@code wordnet-base} installs the dictionary: the default of --wordnet. */
  @Option(names = "--wordnet", paramLabel = "DIR",
      description = "WordNet dictionary (index.noun gives text2sql its table and column names;"
          + " default: " + SyntheticCodeStage.DEFAULT_WORDNET + ", Debian wordnet-base). Without it the default"
          + " kinds leave text2sql out, and say so; --kinds text2sql fails.")
  String wordnet;

  @Option(names = "--sql-examples", defaultValue = "2000", paramLabel = "N",
      description = "text2sql examples to generate (default: ${DEFAULT-VALUE}).")
  int sqlExamples;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of every random choice.")
  long seed;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    Set<SyntheticCode.Kind> requested = SyntheticCodeStage.kinds(kindNames);
    boolean fromCode = requested.stream().anyMatch(k -> k != SyntheticCode.Kind.TEXT2SQL);
    if (fromCode && sources.isEmpty()) {
      throw new IllegalArgumentException("give --sources PATH ... (or --kinds text2sql only)");
    }
    if (sqlExamples < 0) {
      throw new IllegalArgumentException("--sql-examples must be >= 0");
    }
    SparkSession session = spark.session("synth-code");
    Configuration conf = session.sparkContext().hadoopConfiguration();
    HadoopFiles.requireEmptyOutput(out, conf, "");
    SyntheticCodeStage.Plan plan = SyntheticCodeStage.plan(requested, !kindNames.isEmpty(),
        wordnet, p -> HadoopFiles.exists(p, conf));
    if (plan.leftOut() != null) {
      LOG.warn("synth-code: text2sql left out of the default kinds: {}", plan.leftOut());
      System.out.println("synth-code: text2sql left out: " + plan.leftOut());
    }
    SyntheticCodeStage.Stats total = SyntheticCodeStage.run(session, plan, sources, sqlExamples,
        seed, out);
    System.out.printf("synth-code: %s examples from %d files (%d unparseable, %d empty docs)"
        + " -> %s%n", total.examples(), total.files(), total.failedCount(), total.emptyDocs(),
        out);
    return 0;
  }
}
