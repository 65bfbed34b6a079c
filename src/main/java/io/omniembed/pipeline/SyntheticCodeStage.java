package io.omniembed.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.code.SqlSynth;
import io.omniembed.data.code.SyntheticCode;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.JsonlWriter;
import io.omniembed.io.PartFiles;
import io.omniembed.io.SourceFiles;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark stage of {@code synth-code}: synthetic code training data from real code ({@link
 * SyntheticCode}), one task per source archive or file and per block of text2sql examples, each
 * writing its own {@code OUT/part-NNNNN.jsonl}; {@code OUT/_summary.json} counts examples per kind
 * and names the files that could not be parsed.
 */
public final class SyntheticCodeStage {

  private static final Logger LOG = LoggerFactory.getLogger(SyntheticCodeStage.class);
  private static final int SQL_BLOCK = 1000;

  /** Where WordNet's dictionary is looked for when {@code --wordnet} is not given. */
  public static final String DEFAULT_WORDNET = "/usr/share/wordnet";

  /** One task's work: a source archive or file, or a block of text2sql examples. */
  sealed interface Unit extends Serializable permits SourceUnit, SqlBlock {}

  record SourceUnit(String path) implements Unit {}

  record SqlBlock(long from, long to) implements Unit {}

  private SyntheticCodeStage() {}

  private static final int NAMED_FAILURES = 1000;

  /** What one task did; the first 1,000 unparseable files are named, all are counted. */
  public record Stats(TreeMap<String, Long> examples, long files, long emptyDocs, long failedCount,
      TreeMap<String, String> failed) implements Serializable {

    static Stats empty() {
      return new Stats(new TreeMap<>(), 0, 0, 0, new TreeMap<>());
    }

    Stats plus(Stats o) {
      TreeMap<String, Long> ex = new TreeMap<>(examples);
      o.examples.forEach((k, v) -> ex.merge(k, v, Long::sum));
      TreeMap<String, String> f = new TreeMap<>(failed);
      for (var e : o.failed.entrySet()) {
        if (f.size() < NAMED_FAILURES) {
          f.put(e.getKey(), e.getValue());
        }
      }
      return new Stats(ex, files + o.files, emptyDocs + o.emptyDocs,
          failedCount + o.failedCount, f);
    }
  }

  /** The kinds named by --kinds; all four when none is named. */
  public static Set<SyntheticCode.Kind> kinds(List<String> names) {
    Set<SyntheticCode.Kind> kinds = EnumSet.noneOf(SyntheticCode.Kind.class);
    for (String k : names.isEmpty() ? List.of("doc2code", "code2code", "text2sql",
        "code-feedback") : names) {
      kinds.add(SyntheticCode.Kind.parse(k));
    }
    return kinds;
  }

  /**
   * The kinds to generate, the WordNet noun index text2sql reads (null without text2sql), and
   * why text2sql was left out (null when it was not).
   */
  public record Plan(Set<SyntheticCode.Kind> kinds, String nounIndex, String leftOut) {}

  /** Whether a file exists (a Hadoop path). */
  public interface Exists {
    boolean test(String path) throws IOException;
  }

  /**
   * Which kinds run. text2sql needs WordNet's index.noun. When the dictionary is missing, the
   * default kinds (no {@code --kinds}, no {@code --wordnet}) leave text2sql out with the reason,
   * so that a machine without wordnet-base still gets the other three kinds; a text2sql the user
   * asked for, by {@code --kinds} or by naming a dictionary, fails instead. There is no built-in
   * fallback vocabulary: the same seed gives the same text2sql data wherever it runs.
   */
  public static Plan plan(Set<SyntheticCode.Kind> requested, boolean kindsGiven, String wordnetOption,
      Exists exists) throws IOException {
    Set<SyntheticCode.Kind> kinds = EnumSet.copyOf(requested);
    if (!kinds.contains(SyntheticCode.Kind.TEXT2SQL)) {
      return new Plan(kinds, null, null);
    }
    String dir = wordnetOption != null ? wordnetOption : DEFAULT_WORDNET;
    String index = HadoopFiles.child(dir, "index.noun");
    if (exists.test(index)) {
      return new Plan(kinds, index, null);
    }
    if (kindsGiven || wordnetOption != null) {
      throw new IllegalArgumentException("--wordnet " + dir + ": no index.noun (install"
          + " Debian wordnet-base, or leave text2sql out of --kinds)");
    }
    kinds.remove(SyntheticCode.Kind.TEXT2SQL);
    return new Plan(kinds, null, "no WordNet dictionary at " + DEFAULT_WORDNET + " (install"
        + " Debian wordnet-base, or give --wordnet DIR)");
  }

  /**
   * Generates {@code plan}'s kinds from {@code sources} (and {@code sqlExamples} text2sql
   * examples) into {@code out}; returns the totals, also written to {@code out/_summary.json}.
   */
  public static Stats run(SparkSession session, Plan plan, List<String> sources,
      int sqlExamples, long seed, String out) throws IOException {
    Configuration conf = session.sparkContext().hadoopConfiguration();
    Set<SyntheticCode.Kind> kinds = plan.kinds();
    boolean fromCode = kinds.stream().anyMatch(k -> k != SyntheticCode.Kind.TEXT2SQL);
    List<Unit> work = new ArrayList<>();
    if (fromCode) {
      SourceFiles.units(sources, conf).forEach(u -> work.add(new SourceUnit(u)));
    }
    List<String> nouns = List.of();
    if (plan.nounIndex() != null) {
      nouns = SyntheticCode.wordnetNouns(HadoopFiles.readString(plan.nounIndex(), conf));
      new SqlSynth(nouns);   // fails now, on the driver, if the vocabulary is too small
      for (int from = 0; from < sqlExamples; from += SQL_BLOCK) {
        work.add(new SqlBlock(from, Math.min(sqlExamples, from + SQL_BLOCK)));
      }
    }
    LOG.info("synth-code: {} units of work, kinds {}", work.size(), kinds);
    HadoopConf hadoop = new HadoopConf(conf);
    List<String> noun = nouns;
    Stats total = Stats.empty();
    for (Stats p : new JavaSparkContext(session.sparkContext())
        .parallelize(work, Math.max(1, work.size()))
        .mapPartitionsWithIndex((i, units) -> List.of(
            writePart(i, units, kinds, seed, noun, out, hadoop.get())).iterator(), true)
        .collect()) {
      total = total.plus(p);
    }
    HadoopFiles.writeString(HadoopFiles.child(out, "_summary.json"),
        summary(total, kinds, plan.leftOut()), conf);
    return total;
  }

  /** One task: generates the examples of its units into OUT/part-NNNNN.jsonl. */
  static Stats writePart(int index, Iterator<Unit> units, Set<SyntheticCode.Kind> kinds,
      long seed, List<String> nouns, String out, Configuration conf) throws IOException {
    Stats[] stats = {Stats.empty()};
    try (JsonlWriter os = new JsonlWriter(HadoopFiles.child(out, PartFiles.jsonl(index)), conf)) {
      while (units.hasNext()) {
        Unit next = units.next();
        if (next instanceof SqlBlock b) {
          List<SyntheticCode.Example> ex = SyntheticCode.text2sql(new SqlSynth(nouns), b.from(),
              b.to(), seed);
          stats[0] = stats[0].plus(write(ex, os, 0, 0, null, null));
          continue;
        }
        String unit = ((SourceUnit) next).path();
        try {
          SourceFiles.read(unit, conf, f -> {
            SyntheticCode.FileResult r = SyntheticCode.fromFile(f.name(), f.content(), kinds,
                seed);
            stats[0] = stats[0].plus(write(r.examples(), os, 1, r.emptyDocs(),
                r.error() == null ? null : f.name(), r.error()));
          });
        } catch (IOException | RuntimeException e) {
          stats[0] = stats[0].plus(write(List.of(), os, 1, 0, unit, "unreadable: "
              + e.getMessage()));
        }
      }
    }
    return stats[0];
  }

  private static Stats write(List<SyntheticCode.Example> examples, JsonlWriter os, long files,
      long emptyDocs, String failedFile, String reason) {
    TreeMap<String, Long> counts = new TreeMap<>();
    for (SyntheticCode.Example e : examples) {
      os.write(e.toJson());
      counts.merge(e.task(), 1L, Long::sum);
    }
    TreeMap<String, String> failed = new TreeMap<>();
    if (failedFile != null) {
      failed.put(failedFile, reason);
    }
    return new Stats(counts, files, emptyDocs, failed.size(), failed);
  }

  static String summary(Stats s, Set<SyntheticCode.Kind> kinds, String leftOut) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode n = json.createObjectNode();
    var k = n.putArray("kinds");
    kinds.forEach(x -> k.add(x.cliName));
    if (leftOut != null) {
      n.putObject("left_out").put(SyntheticCode.Kind.TEXT2SQL.cliName, leftOut);
    }
    var ex = n.putObject("examples_per_task");
    s.examples().forEach(ex::put);
    n.put("files_read", s.files());
    n.put("methods_with_empty_docs", s.emptyDocs());
    n.put("files_unparseable", s.failedCount());
    var failed = n.putObject("unparseable");   // the first 1,000, with the parser's reason
    s.failed().forEach(failed::put);
    return n.toPrettyString() + "\n";
  }
}
