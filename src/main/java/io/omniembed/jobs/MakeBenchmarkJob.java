package io.omniembed.jobs;

import io.omniembed.data.WordNetGlosses;
import io.omniembed.data.code.JavadocPairs;
import io.omniembed.data.parallel.LocaleCode;
import io.omniembed.data.parallel.ParallelPair;
import io.omniembed.eval.BenchmarkBuilder;
import io.omniembed.eval.CrossLingualBenchmark;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.SourceFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code make-benchmark}: a code-retrieval benchmark in the BEIR layout from real Java sources
 * (sources jars, directories or .java files): queries are Javadoc descriptions, documents are the
 * methods' code without their docs, one relevant document per query. Every documented method is
 * in the corpus; up to {@code --max-queries} of them (a seeded sample) become queries. Queries
 * whose text is shared by several methods are dropped, since their answer is ambiguous. With
 * {@code --wordnet}, WordNet gloss → words instead; with {@code --parallel DIR --language L}, the
 * X → English benchmark of {@link CrossLingualBenchmark} from {@code make-parallel}'s
 * {@code DIR/heldout/}.
 *
 * <p>Not a Spark job: it reads a few sources on the driver and writes three small files, so it
 * takes no {@code --master} or {@code --conf}.
 */
@Command(name = "make-benchmark", mixinStandardHelpOptions = true,
    description = {"Build a BEIR-layout retrieval benchmark from real sources: Javadoc -> method"
        + " from Java sources jars, directories or .java files, WordNet gloss -> words, or"
        + " translation -> English source from make-parallel's held-out pairs of one language.",
        "With --pairs TASK, write the same material as training pairs instead."})
public final class MakeBenchmarkJob implements Callable<Integer> {

  @Option(names = "--sources", arity = "1..*", paramLabel = "PATH",
      description = "Sources jar (-sources.jar), directory or .java file; repeatable.")
  List<String> sources = new ArrayList<>();

  @Option(names = "--wordnet", paramLabel = "DIR",
      description = "Instead of code: a WordNet gloss -> words benchmark from DIR/data.{noun,verb,"
          + "adj,adv} (Debian wordnet-base: /usr/share/wordnet).")
  String wordnet;

  @Option(names = "--parallel", paramLabel = "DIR",
      description = "Instead of code: an X -> English benchmark from make-parallel's"
          + " DIR/heldout/ (queries: the translations of --language; corpus: their distinct"
          + " English sources).")
  String parallel;

  @Option(names = "--language", paramLabel = "LANG",
      description = "With --parallel: the language of the queries, as a locale name or tag"
          + " (de, pt_BR, pt-BR).")
  String language;

  @Option(names = "--pairs", paramLabel = "TASK",
      description = "Instead of a benchmark, write training pairs (task TASK) to OUT/pairs.jsonl:"
          + " every documented method (code) or synset (wordnet).")
  String pairsTask;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Option(names = "--max-queries", defaultValue = "500", paramLabel = "N",
      description = "Queries to sample (default: ${DEFAULT-VALUE}).")
  int maxQueries;

  @Option(names = "--min-doc-chars", defaultValue = "30", paramLabel = "N",
      description = "Skip docs shorter than this (default: ${DEFAULT-VALUE}).")
  int minDocChars;

  @Option(names = "--max-corpus", defaultValue = "0", paramLabel = "N",
      description = "Keep at most N documents: every query's target plus a seeded sample of the"
          + " rest. Default: all.")
  int maxCorpus;

  @Option(names = "--seed", defaultValue = "17", description = "Sampling seed.")
  long seed;

  @Override
  public Integer call() throws Exception {
    Configuration conf = new Configuration();
    if (parallel != null || language != null) {
      return crossLingual(conf);
    }
    if (wordnet == null && sources.isEmpty()) {
      throw new IllegalArgumentException("give --sources (code), --wordnet DIR or --parallel DIR"
          + " --language LANG");
    }
    List<JavadocPairs.Pair> pairs = wordnet != null ? wordNet(conf) : new ArrayList<>();
    for (String unit : SourceFiles.units(sources, conf)) {
      SourceFiles.read(unit, conf, f -> {
        if (f.name().endsWith(".java")) {
          pairs.addAll(JavadocPairs.extract(f.content()));
        }
      });
    }
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("no documented methods found in " + sources);
    }
    BenchmarkBuilder.Settings settings = new BenchmarkBuilder.Settings(maxQueries, minDocChars,
        maxCorpus, wordnet == null, seed);
    if (pairsTask != null) {
      List<String> lines = BenchmarkBuilder.pairs(pairs, pairsTask, settings);
      HadoopFiles.writeString(HadoopFiles.child(out, "pairs.jsonl"),
          lines.isEmpty() ? "" : String.join("\n", lines) + "\n", conf);
      System.out.printf("make-benchmark: %d training pairs (task %s) -> %s/pairs.jsonl%n",
          lines.size(), pairsTask, out);
      return 0;
    }
    BenchmarkBuilder.Files files = BenchmarkBuilder.benchmark(pairs, settings);
    HadoopFiles.writeString(HadoopFiles.child(out, "corpus.jsonl"), files.corpus(), conf);
    HadoopFiles.writeString(HadoopFiles.child(out, "queries.jsonl"), files.queries(), conf);
    HadoopFiles.writeString(HadoopFiles.child(out, "qrels/test.tsv"), files.qrels(), conf);
    System.out.printf("make-benchmark: %d documents, %d queries -> %s%n", files.documentCount(),
        files.queryCount(), out);
    return 0;
  }

  /** {@code --parallel DIR --language L}: the X → English benchmark of L's held-out pairs. */
  private int crossLingual(Configuration conf) throws IOException {
    if (parallel == null || language == null) {
      throw new IllegalArgumentException("--parallel DIR and --language LANG go together");
    }
    if (wordnet != null || !sources.isEmpty() || pairsTask != null) {
      throw new IllegalArgumentException("--parallel takes no --sources, --wordnet or --pairs");
    }
    String lang = LocaleCode.parse(language);
    if (lang == null) {
      throw new IllegalArgumentException("--language: '" + language + "' is not a language code"
          + " (ISO 639, optionally with a territory: de, pt_BR, zh-TW)");
    }
    CrossLingualBenchmark.Settings settings = new CrossLingualBenchmark.Settings(maxQueries,
        maxCorpus, seed);
    String dir = HadoopFiles.child(parallel, "heldout");
    List<ParallelPair> pairs = heldOut(dir, conf);
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("no held-out pairs in " + dir + " (make-parallel with"
          + " --holdout-fraction above 0 writes them)");
    }
    BenchmarkBuilder.Files files = CrossLingualBenchmark.build(pairs, lang, settings);
    if (files == null) {
      throw new IllegalArgumentException("--language " + lang + ": no held-out pairs in " + dir
          + " (languages there: " + String.join(", ", CrossLingualBenchmark.languages(pairs))
          + ")");
    }
    if (files.queryCount() == 0) {
      throw new IllegalArgumentException("--language " + lang + ": every translation in " + dir
          + " renders several English sources; no query is left");
    }
    HadoopFiles.writeString(HadoopFiles.child(out, "corpus.jsonl"), files.corpus(), conf);
    HadoopFiles.writeString(HadoopFiles.child(out, "queries.jsonl"), files.queries(), conf);
    HadoopFiles.writeString(HadoopFiles.child(out, "qrels/test.tsv"), files.qrels(), conf);
    System.out.printf("make-benchmark: %s -> English: %d documents, %d queries -> %s%n", lang,
        files.documentCount(), files.queryCount(), out);
    return 0;
  }

  /** Every pair of the {@code .jsonl} part files in {@code dir}; none when it does not exist. */
  private static List<ParallelPair> heldOut(String dir, Configuration conf) throws IOException {
    List<ParallelPair> pairs = new ArrayList<>();
    Path p = new Path(dir);
    FileSystem fs = HadoopFiles.fs(dir, conf);
    if (!fs.exists(p)) {
      return pairs;
    }
    FileStatus[] parts = fs.listStatus(p, f -> f.getName().endsWith(".jsonl")
        && !f.getName().startsWith("_") && !f.getName().startsWith("."));
    Arrays.sort(parts);
    for (FileStatus part : parts) {
      String[] lines = HadoopFiles.readString(part.getPath().toString(), conf).split("\n");
      for (int i = 0; i < lines.length; i++) {
        if (lines[i].isBlank()) {
          continue;
        }
        try {
          pairs.add(ParallelPair.fromJson(lines[i]));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(part.getPath() + " line " + (i + 1) + ": "
              + e.getMessage(), e);
        }
      }
    }
    return pairs;
  }

  /** Gloss → words pairs of every synset in {@code --wordnet}'s data files. */
  private List<JavadocPairs.Pair> wordNet(Configuration conf) throws IOException {
    List<JavadocPairs.Pair> pairs = new ArrayList<>();
    for (String pos : List.of("noun", "verb", "adj", "adv")) {
      String file = HadoopFiles.child(wordnet, "data." + pos);
      if (!HadoopFiles.exists(file, conf)) {
        throw new FileNotFoundException("wordnet " + file + ": no such file (install Debian's"
            + " wordnet-base)");
      }
      for (var s : WordNetGlosses.parse(HadoopFiles.readString(file, conf))) {
        pairs.add(new JavadocPairs.Pair(pos, s.id(), s.definition(), String.join(", ",
            s.words())));
      }
    }
    return pairs;
  }
}
