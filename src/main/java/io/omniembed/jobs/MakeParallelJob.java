package io.omniembed.jobs;

import io.omniembed.data.parallel.PackageSplit;
import io.omniembed.data.parallel.PairFilter;
import io.omniembed.io.HadoopFiles;
import io.omniembed.pipeline.ParallelCorpus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code make-parallel}: English → X sentence pairs for multilingual distillation from the gettext
 * catalogs of installed packages; options, then {@link ParallelCorpus}.
 */
@Command(name = "make-parallel", mixinStandardHelpOptions = true,
    description = {"Parallel English -> X pairs from gettext catalogs"
        + " (LOCALES/<locale>/LC_MESSAGES/*.mo: msgid -> msgstr), filtered, deduplicated and"
        + " split into training and held-out packages.",
        "Writes OUT/train/ and OUT/heldout/ (part-*.jsonl: task distill-<lang>, source,"
            + " translation, lang, package, source_id), OUT/sources/ (id, text: the English"
            + " sources, for the teacher's embed) and OUT/_summary.json."})
public final class MakeParallelJob implements Callable<Integer> {

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Option(names = "--locales", defaultValue = ParallelCorpus.DEFAULT_LOCALES, paramLabel = "DIR",
      description = "Locale tree (default: ${DEFAULT-VALUE}).")
  String locales;

  @Option(names = "--languages", split = ",", paramLabel = "LANG",
      description = "Languages to keep, as locale names or tags (de,fr,pt_BR,zh-TW; default:"
          + " every recognised language but English).")
  List<String> languages = new ArrayList<>();

  @Option(names = "--min-chars", paramLabel = "N",
      description = "Drop sources shorter than N characters (default: 3).")
  Integer minChars;

  @Option(names = "--max-ratio", paramLabel = "R",
      description = "Drop pairs whose longer side is over R times the shorter (default: 3).")
  Double maxRatio;

  @Option(names = "--holdout-fraction", defaultValue = "0.1", paramLabel = "F",
      description = "Fraction of packages held out, by a hash of the package name (default:"
          + " ${DEFAULT-VALUE}; 0 writes no heldout/).")
  double holdoutFraction;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    PairFilter filter = new PairFilter(
        minChars != null ? minChars : PairFilter.DEFAULT.minChars(),
        maxRatio != null ? maxRatio : PairFilter.DEFAULT.maxRatio());
    PackageSplit split = new PackageSplit(holdoutFraction);
    SparkSession session = spark.session("make-parallel");
    Configuration conf = session.sparkContext().hadoopConfiguration();
    HadoopFiles.requireEmptyOutput(out, conf, "");
    ParallelCorpus.Plan plan = ParallelCorpus.plan(locales, languages, conf);
    ParallelCorpus.Summary s = ParallelCorpus.run(session, plan, filter, split, out);
    long train = s.train().values().stream().mapToLong(Long::longValue).sum();
    long held = s.heldout().values().stream().mapToLong(Long::longValue).sum();
    System.out.printf("make-parallel: %d catalogs, %d languages: %d training pairs, %d held-out"
        + " pairs (%d catalogs refused, %d locale names not recognised) -> %s%n",
        plan.catalogs().size(), s.train().size(), train, held, s.refused().size(),
        plan.unrecognised().size(), out);
    return 0;
  }
}
