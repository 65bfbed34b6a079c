package io.omniembed.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.parallel.CatalogPairs;
import io.omniembed.data.parallel.LocaleCode;
import io.omniembed.data.parallel.PackageSplit;
import io.omniembed.data.parallel.PairFilter;
import io.omniembed.data.parallel.ParallelPair;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.JsonlWriter;
import io.omniembed.io.PartFiles;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The Spark stage of {@code make-parallel}: English → X pairs from the gettext catalogs of a
 * locale tree ({@code LOCALES/<locale>/LC_MESSAGES/<package>.mo}, as Debian installs them under
 * {@code /usr/share/locale}).
 * <ol>
 *   <li>{@link #plan} (driver) lists the locale directories, names each by its BCP 47 tag
 *       ({@link LocaleCode}), sets aside the names it does not recognise and the English ones,
 *       and keeps the catalogs of the languages asked for;</li>
 *   <li>one Spark task per group of catalogs reads and filters them ({@link CatalogPairs});</li>
 *   <li>the pairs are split by package ({@link PackageSplit}); within each side a pair with the
 *       same language, English and translation as another is kept once (the copy of the
 *       alphabetically first package). The same English with different translations is kept as
 *       each distinct pair: they are alternative renderings, and distillation maps every one to
 *       the teacher's embedding of the one English sentence;</li>
 *   <li>a training pair whose English also occurs among the held-out pairs (in any language) is
 *       dropped, so that X → English retrieval on the held-out packages never meets an English
 *       sentence the student was trained on;</li>
 *   <li>the pairs are written sorted by (language, English, translation) to
 *       {@code OUT/train/part-*.jsonl} and {@code OUT/heldout/part-*.jsonl}, the distinct English
 *       sources ({@code id} = {@code source_id}, {@code text}) of both to
 *       {@code OUT/sources/part-*.jsonl} for the teacher's {@code embed}, and the counts to
 *       {@code OUT/_summary.json}.</li>
 * </ol>
 */
public final class ParallelCorpus {

  private ParallelCorpus() {}

  /** Where Debian installs the catalogs: the default of --locales. */
  public static final String DEFAULT_LOCALES = "/usr/share/locale";

  /** One catalog: its path, its locale directory's name and tag, and its package (domain). */
  record Catalog(String path, String dir, String lang, String pkg) implements Serializable {}

  /**
   * The catalogs to read; the locale directories not recognised as a language (name → why) and
   * those left out as English; the languages asked for that no directory has.
   */
  public record Plan(List<Catalog> catalogs, TreeMap<String, String> unrecognised,
      List<String> english, List<String> missing) implements Serializable {}

  /**
   * Lists {@code locales}. {@code languages} (locale names or tags, normalised here) keeps only
   * those; empty keeps every recognised language but English.
   */
  public static Plan plan(String locales, List<String> languages, Configuration conf)
      throws IOException {
    Set<String> wanted = new LinkedHashSet<>();
    for (String l : languages) {
      String tag = LocaleCode.parse(l);
      if (tag == null) {
        throw new IllegalArgumentException("--languages: '" + l + "' is not a language code"
            + " (ISO 639, optionally with a territory: de, pt_BR, zh-TW)");
      }
      if (LocaleCode.isEnglish(tag)) {
        throw new IllegalArgumentException("--languages: '" + l + "' is English, the source"
            + " side of every pair");
      }
      wanted.add(tag);
    }
    FileSystem fs = HadoopFiles.fs(locales, conf);
    Path root = new Path(locales);
    if (!fs.exists(root) || !fs.getFileStatus(root).isDirectory()) {
      throw new IllegalArgumentException("--locales " + locales + ": no such directory");
    }
    List<Catalog> catalogs = new ArrayList<>();
    TreeMap<String, String> unrecognised = new TreeMap<>();
    List<String> english = new ArrayList<>();
    Set<String> found = new LinkedHashSet<>();
    FileStatus[] dirs = fs.listStatus(root);
    java.util.Arrays.sort(dirs, java.util.Comparator.comparing(s -> s.getPath().getName()));
    for (FileStatus d : dirs) {
      String name = d.getPath().getName();
      if (!d.isDirectory()) {
        continue;   // locale.alias and other files beside the locale directories
      }
      Path messages = new Path(d.getPath(), "LC_MESSAGES");
      String tag = LocaleCode.parse(name);
      if (tag == null) {
        if (fs.exists(messages)) {
          unrecognised.put(name, "not a recognised locale name (language[_TERRITORY][@script])");
        }
        continue;
      }
      if (LocaleCode.isEnglish(tag)) {
        english.add(name);
        continue;
      }
      if ((!wanted.isEmpty() && !wanted.contains(tag)) || !fs.exists(messages)) {
        continue;
      }
      FileStatus[] files = fs.listStatus(messages);
      java.util.Arrays.sort(files, java.util.Comparator.comparing(s -> s.getPath().getName()));
      for (FileStatus f : files) {
        String file = f.getPath().getName();
        if (f.isFile() && file.endsWith(".mo")) {
          catalogs.add(new Catalog(f.getPath().toString(), name, tag,
              file.substring(0, file.length() - 3)));
          found.add(tag);
        }
      }
    }
    List<String> missing = wanted.stream().filter(t -> !found.contains(t)).toList();
    if (catalogs.isEmpty()) {
      throw new IllegalArgumentException("--locales " + locales + ": no catalogs"
          + (wanted.isEmpty() ? "" : " for " + String.join(",", wanted))
          + " (LOCALE/LC_MESSAGES/PACKAGE.mo)");
    }
    return new Plan(catalogs, unrecognised, english, missing);
  }

  /** Counts of one language (or of all): what was read, what each step dropped, what was kept. */
  static final class Counts implements Serializable {
    long catalogs;
    long refusedCatalogs;
    long messages;
    final TreeMap<String, Long> dropped = new TreeMap<>();
    long train;
    long heldout;
    final Set<String> packages = new java.util.TreeSet<>();

    void drop(String key, long n) {
      if (n > 0) {
        dropped.merge(key, n, Long::sum);
      }
    }
  }

  /** What one catalog gave: its pairs, and its counts. */
  record Read(Catalog catalog, CatalogPairs pairs) implements Serializable {}

  /** What the run wrote, per language, with the refused catalogs (path → reason). */
  public record Summary(TreeMap<String, Long> train, TreeMap<String, Long> heldout,
      TreeMap<String, String> refused, String json) {}

  /** Runs the plan into {@code out}, which must be empty. */
  public static Summary run(SparkSession session, Plan plan, PairFilter filter,
      PackageSplit split, String out) throws IOException {
    Configuration conf = session.sparkContext().hadoopConfiguration();
    HadoopConf hadoop = new HadoopConf(conf);
    JavaSparkContext sc = new JavaSparkContext(session.sparkContext());
    int tasks = Math.max(1, Math.min(plan.catalogs().size(), sc.defaultParallelism() * 4));
    JavaRDD<Read> read = sc.parallelize(plan.catalogs(), tasks)
        .map(c -> new Read(c, CatalogPairs.of(HadoopFiles.readBytes(c.path(), hadoop.get()),
            c.lang(), c.pkg(), filter)))
        .persist(StorageLevel.MEMORY_AND_DISK());
    TreeMap<String, Counts> counts = new TreeMap<>();
    TreeMap<String, String> refused = new TreeMap<>();
    for (Tuple2<Catalog, Tuple2<Long, Map<PairFilter.Drop, Long>>> r : read
        .map(x -> new Tuple2<>(x.catalog(), new Tuple2<>(x.pairs().pairs().size()
            + x.pairs().dropped().values().stream().mapToLong(Long::longValue).sum(),
            x.pairs().problem() == null ? x.pairs().dropped()
                : Map.<PairFilter.Drop, Long>of()))).collect()) {
      Counts c = counts.computeIfAbsent(r._1().lang(), k -> new Counts());
      c.catalogs++;
      c.messages += r._2()._1();
      r._2()._2().forEach((d, n) -> c.drop(d.key, n));
    }
    for (Read x : read.filter(x -> x.pairs().problem() != null).collect()) {
      refused.put(x.catalog().path(), x.pairs().problem());
      counts.get(x.catalog().lang()).refusedCatalogs++;
    }

    // (held out?, pair without package) -> the alphabetically first package that has it.
    JavaPairRDD<Tuple2<Boolean, ParallelPair>, String> distinct = read
        .flatMap(x -> x.pairs().pairs().iterator())
        .mapToPair(p -> new Tuple2<>(new Tuple2<>(split.heldOut(p.pkg()),
            new ParallelPair(p.lang(), p.source(), p.translation(), "")), p.pkg()))
        .reduceByKey((a, b) -> a.compareTo(b) <= 0 ? a : b)
        .persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<ParallelPair> heldout = distinct.filter(t -> t._1()._1())
        .map(t -> withPackage(t._1()._2(), t._2()));
    JavaRDD<ParallelPair> trainAll = distinct.filter(t -> !t._1()._1())
        .map(t -> withPackage(t._1()._2(), t._2()));
    JavaPairRDD<String, Boolean> heldSources = heldout.mapToPair(p -> new Tuple2<>(p.source(),
        Boolean.TRUE)).distinct();
    JavaRDD<ParallelPair> train = trainAll.mapToPair(p -> new Tuple2<>(p.source(), p))
        .subtractByKey(heldSources).values();

    Map<String, Long> kept = new TreeMap<>(distinct.map(t -> t._1()._2().lang())
        .countByValue());
    Map<String, Long> trainAllCounts = trainAll.map(ParallelPair::lang).countByValue();
    TreeMap<String, Long> trainCounts = write(train, HadoopFiles.child(out, "train"), tasks,
        hadoop);
    TreeMap<String, Long> heldCounts = split.fraction() > 0
        ? write(heldout, HadoopFiles.child(out, "heldout"), tasks, hadoop) : new TreeMap<>();
    writeSources(distinct.map(t -> t._1()._2().source()).distinct(),
        HadoopFiles.child(out, "sources"), tasks, hadoop);
    for (Tuple2<String, String> lp : distinct
        .mapToPair(t -> new Tuple2<>(t._1()._2().lang(), t._2())).distinct().collect()) {
      counts.get(lp._1()).packages.add(lp._2());
    }
    distinct.unpersist();
    read.unpersist();

    for (Map.Entry<String, Counts> e : counts.entrySet()) {
      String lang = e.getKey();
      Counts c = e.getValue();
      long filtered = c.dropped.values().stream().mapToLong(Long::longValue).sum();
      long afterFilters = c.messages - filtered;
      c.drop("duplicate", afterFilters - kept.getOrDefault(lang, 0L));
      c.drop("english_in_heldout", trainAllCounts.getOrDefault(lang, 0L)
          - trainCounts.getOrDefault(lang, 0L));
      c.train = trainCounts.getOrDefault(lang, 0L);
      c.heldout = heldCounts.getOrDefault(lang, 0L);
    }
    String json = summary(plan, filter, split, counts, refused);
    HadoopFiles.writeString(HadoopFiles.child(out, "_summary.json"), json, conf);
    return new Summary(trainCounts, heldCounts, refused, json);
  }

  private static ParallelPair withPackage(ParallelPair p, String pkg) {
    return new ParallelPair(p.lang(), p.source(), p.translation(), pkg);
  }

  /** Writes pairs sorted by (language, English, translation); returns the pairs per language. */
  private static TreeMap<String, Long> write(JavaRDD<ParallelPair> pairs, String dir, int parts,
      HadoopConf hadoop) {
    TreeMap<String, Long> total = new TreeMap<>();
    for (TreeMap<String, Long> m : pairs
        .sortBy(p -> p.lang() + "\u0000" + p.source() + "\u0000" + p.translation(), true, parts)
        .mapPartitionsWithIndex((i, rows) -> List.of(writePart(i, rows, dir, hadoop.get()))
            .iterator(), true)
        .collect()) {
      m.forEach((k, v) -> total.merge(k, v, Long::sum));
    }
    return total;
  }

  static TreeMap<String, Long> writePart(int index, Iterator<ParallelPair> rows, String dir,
      Configuration conf) throws IOException {
    TreeMap<String, Long> n = new TreeMap<>();
    try (JsonlWriter w = new JsonlWriter(HadoopFiles.child(dir, PartFiles.jsonl(index)), conf)) {
      while (rows.hasNext()) {
        ParallelPair p = rows.next();
        w.write(p.toJson());
        n.merge(p.lang(), 1L, Long::sum);
      }
    }
    return n;
  }

  private static void writeSources(JavaRDD<String> sources, String dir, int parts,
      HadoopConf hadoop) {
    sources.sortBy(s -> s, true, parts).foreachPartition(rows -> {
      ObjectMapper json = new ObjectMapper();
      int index = org.apache.spark.TaskContext.getPartitionId();
      try (JsonlWriter w = new JsonlWriter(HadoopFiles.child(dir, PartFiles.jsonl(index)),
          hadoop.get())) {
        while (rows.hasNext()) {
          String s = rows.next();
          w.write(json.createObjectNode().put("id", ParallelPair.sourceId(s)).put("text", s)
              .toString());
        }
      }
    });
  }

  static String summary(Plan plan, PairFilter filter, PackageSplit split,
      TreeMap<String, Counts> counts, TreeMap<String, String> refused) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode n = json.createObjectNode();
    ObjectNode opts = n.putObject("options");
    opts.put("min_chars", filter.minChars());
    opts.put("max_ratio", filter.maxRatio());
    opts.put("holdout_fraction", split.fraction());
    Counts all = new Counts();
    ObjectNode langs = n.putObject("languages");
    for (Map.Entry<String, Counts> e : counts.entrySet()) {
      Counts c = e.getValue();
      ObjectNode l = langs.putObject(e.getKey());
      l.put("task", ParallelPair.task(e.getKey()));
      l.put("catalogs", c.catalogs);
      l.put("catalogs_refused", c.refusedCatalogs);
      l.put("packages", c.packages.size());
      l.put("messages", c.messages);
      ObjectNode d = l.putObject("dropped");
      c.dropped.forEach(d::put);
      l.put("train", c.train);
      l.put("heldout", c.heldout);
      all.catalogs += c.catalogs;
      all.refusedCatalogs += c.refusedCatalogs;
      all.messages += c.messages;
      c.dropped.forEach(all::drop);
      all.train += c.train;
      all.heldout += c.heldout;
    }
    ObjectNode t = n.putObject("total");
    t.put("languages", counts.size());
    t.put("catalogs", all.catalogs);
    t.put("catalogs_refused", all.refusedCatalogs);
    t.put("messages", all.messages);
    ObjectNode d = t.putObject("dropped");
    all.dropped.forEach(d::put);
    t.put("train", all.train);
    t.put("heldout", all.heldout);
    ObjectNode un = n.putObject("unrecognised_locales");
    plan.unrecognised().forEach(un::put);
    var en = n.putArray("english_locales_skipped");
    plan.english().forEach(en::add);
    var missing = n.putArray("languages_not_found");
    plan.missing().forEach(missing::add);
    ObjectNode r = n.putObject("refused_catalogs");
    refused.forEach(r::put);
    return n.toPrettyString() + "\n";
  }
}
