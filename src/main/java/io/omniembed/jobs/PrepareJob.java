package io.omniembed.jobs;

import io.omniembed.model.ModelSpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.ContentKey;
import io.omniembed.data.Item;
import io.omniembed.data.ItemParser;
import io.omniembed.data.NegativeSelection;
import io.omniembed.data.Part;
import io.omniembed.data.TrainingExample;
import io.omniembed.eval.Benchmark;
import io.omniembed.pipeline.ShardSearch;
import io.omniembed.pipeline.ShardSearch.Doc;
import io.omniembed.pipeline.ShardSearch.Query;
import io.omniembed.pipeline.ShardSearch.ShardHits;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.ItemSource;
import io.omniembed.io.Models;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scala.Tuple2;

/**
 * {@code prepare}: training pairs → triplets with mined hard negatives, as Spark jobs that never
 * collect the data: parse (bad rows to {@code OUT/_errors}), drop pairs that leak into the
 * {@code --exclude} benchmarks, deduplicate by content, then — for {@code bm25} and
 * {@code model} — shard each task's candidate pool (its positives, plus {@code --corpus}), search
 * every shard for every query (a Lucene BM25 index or exact dot products per shard; BM25 uses
 * shard-local statistics, as Elasticsearch's default search does), merge the shards' lists per
 * query and choose negatives with {@link NegativeSelection}. Writes
 * {@code OUT/task=NAME/part-*.jsonl} and {@code OUT/_summary.json}.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true,
    description = {"Turn (task, query, positive) pairs into triplets with mined hard negatives:"
        + " deduplicated, with benchmark leakage removed and false negatives filtered.",
        "Writes OUT/task=NAME/part-*.jsonl, OUT/_summary.json and OUT/_errors/ (rows that could"
            + " not be read, with the reason)."})
public final class PrepareJob implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);
  private static final int DOCS_PER_SHARD = 50_000;
  /** Shared by every row a task handles (thread-safe once configured; building one is not free). */
  private static final ObjectMapper JSON = new ObjectMapper();

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
      description = "Embedding model for --negatives model (checkpoint or pretrained:...).")
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

  /** A parsed pair, or why it could not be read. */
  record Pair(String task, long queryKey, long positiveKey, String query, String positive,
      long[] negativeKeys, String record) implements Serializable {}

  @Override
  public Integer call() throws Exception {
    String mode = negatives.strip().toLowerCase(java.util.Locale.ROOT);
    if (!List.of("bm25", "model", "none").contains(mode)) {
      throw new IllegalArgumentException("--negatives must be bm25, model or none, got '"
          + negatives + "'");
    }
    if (mode.equals("model") && model == null) {
      throw new IllegalArgumentException("--negatives model needs --model M (a checkpoint or"
          + " pretrained:all-MiniLM-L6-v2)");
    }
    if (!mode.equals("model") && model != null) {
      throw new IllegalArgumentException("--model is only used with --negatives model");
    }
    NegativeSelection.Settings settings = settings();
    SparkSession session = spark.session("prepare");
    Configuration conf = session.sparkContext().hadoopConfiguration();
    JavaSparkContext jsc = new JavaSparkContext(session.sparkContext());
    HadoopFiles.requireEmptyOutput(out, conf, "");
    if (mode.equals("model")) {
      ModelSpec.parse(model, ModelSpec.Use.MINE);
      Models.embedder(model, conf, 1);   // a model that cannot load fails here, before any work
    }
    Broadcast<HashSet<Long>> excluded = jsc.broadcast(excludedKeys(session));

    JavaRDD<Row> rows = ItemSource.records(session, pairs,
        columns -> TrainingExample.checkColumns("pairs " + pairs, columns)).javaRDD();
    JavaRDD<Object> parsed = rows.map(PrepareJob::parse).persist(StorageLevel.MEMORY_AND_DISK());
    HadoopConf hadoop = new HadoopConf(conf);
    String errorsDir = HadoopFiles.child(out, "_errors");
    long bad = parsed.filter(o -> o instanceof String)
        .mapPartitionsWithIndex((i, errs) -> List.of(writeErrors(i, errs, errorsDir,
            hadoop.get())).iterator(), true).reduce(Long::sum);
    JavaRDD<Pair> ok = parsed.filter(o -> o instanceof Pair).map(o -> (Pair) o);
    long read = ok.count();
    JavaRDD<Pair> clean = ok.filter(p -> !excluded.value().contains(p.queryKey())
        && !excluded.value().contains(p.positiveKey()));
    JavaRDD<Pair> unique = clean
        .mapToPair(p -> new Tuple2<>(p.task() + "|" + p.queryKey() + "|" + p.positiveKey(), p))
        .reduceByKey(PrepareJob::preferred).values().persist(StorageLevel.MEMORY_AND_DISK());
    long afterExclude = clean.count();
    long kept = unique.count();
    LOG.info("prepare: {} pairs read, {} bad rows, {} removed by --exclude, {} duplicates",
        read, bad, read - afterExclude, afterExclude - kept);

    JavaPairRDD<String, String> triplets;
    List<NegativeSelection.Counts> counts;
    if (mode.equals("none")) {
      triplets = unique.mapToPair(p -> new Tuple2<>(p.task(), p.record()));
      counts = List.of(NegativeSelection.Counts.ZERO);
    } else {
      JavaPairRDD<Long, Tuple2<String, NegativeSelection.Counts>> mined = mine(jsc, unique,
          mode, settings, excluded, conf);
      JavaPairRDD<String, Tuple2<String, NegativeSelection.Counts>> byTask = mined
          .mapToPair(t -> new Tuple2<>(taskOf(t._2()._1()), t._2()));
      byTask.persist(StorageLevel.MEMORY_AND_DISK());
      counts = List.of(byTask.values().map(Tuple2::_2).fold(NegativeSelection.Counts.ZERO,
          NegativeSelection.Counts::plus));
      triplets = byTask.mapToPair(t -> new Tuple2<>(t._1(), t._2()._1()));
    }
    String dir = out;
    List<TreeMap<String, Long>> perTaskParts = triplets
        .mapPartitionsWithIndex((i, it) -> List.of(writeTriplets(i, it, dir, hadoop.get()))
            .iterator(), true).collect();
    TreeMap<String, Long> perTask = new TreeMap<>();
    perTaskParts.forEach(m -> m.forEach((k, v) -> perTask.merge(k, v, Long::sum)));
    NegativeSelection.Counts c = counts.get(0);
    String summary = summary(mode, settings, read + bad, bad, read - afterExclude,
        afterExclude - kept, perTask, c);
    HadoopFiles.writeString(HadoopFiles.child(out, "_summary.json"), summary, conf);
    System.out.printf("prepare: %d triplets %s (%d rows read, %d bad, %d excluded, %d"
        + " duplicates; %d negatives mined) -> %s%n", kept, perTask, read + bad, bad,
        read - afterExclude, afterExclude - kept, c.kept(), out);
    return 0;
  }

  private NegativeSelection.Settings settings() {
    String[] r = rankRange.split(":");
    if (r.length != 2) {
      throw new IllegalArgumentException("--rank-range must be FROM:TO, got " + rankRange);
    }
    try {
      return new NegativeSelection.Settings(Integer.parseInt(r[0].strip()),
          Integer.parseInt(r[1].strip()), maxRelativeScore, numNegatives);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--rank-range must be FROM:TO, got " + rankRange);
    }
  }

  /** A row {@code (source, record)} → a {@link Pair}, or an error line (JSON) for _errors. */
  static Object parse(Row row) {
    String source = row.getString(0);
    String record = row.getString(1);
    try {
      TrainingExample e = TrainingExample.parse(record);
      record = withResolvedMedia(e, record, source);
      long[] negKeys = e.negatives().stream().mapToLong(ContentKey::of).toArray();
      return new Pair(e.task(), ContentKey.of(e.query()), ContentKey.of(e.positive()),
          textOnly(e.query()), textOnly(e.positive()), negKeys, record);
    } catch (IllegalArgumentException ex) {
      ObjectNode n = JSON.createObjectNode();
      n.put("source", source).put("reason", ex.getMessage());
      if (io.omniembed.data.ItemParser.unreadableReason(record) == null) {
        n.put("record", record.length() > 300 ? record.substring(0, 300) + "…" : record);
      }
      return n.toString();
    }
  }

  /**
   * An item's text for mining negatives, null when it has media: BM25 and the text embedding of
   * a caption stand for neither the image nor the sound, so media items are neither mined for
   * nor offered as negatives.
   */
  private static String textOnly(io.omniembed.data.Item item) {
    return item.isTextOnly() ? item.joinedText() : null;
  }

  /**
   * The record with its relative media paths resolved against its file (the triplets are
   * written elsewhere); unchanged when the example is text only.
   */
  private static String withResolvedMedia(TrainingExample e, String record, String source) {
    boolean media = !e.query().isTextOnly() || !e.positive().isTextOnly()
        || e.negatives().stream().anyMatch(n -> !n.isTextOnly());
    if (!media) {
      return record;
    }
    try {
      ObjectNode node = (ObjectNode) JSON.readTree(record);
      io.omniembed.io.MediaPaths.resolveRecord(node, source);
      return node.toString();
    } catch (io.omniembed.data.media.MediaException ex) {
      throw new IllegalArgumentException(ex.getMessage(), ex);
    } catch (java.io.IOException ex) {
      throw new IllegalArgumentException("malformed JSON: " + ex.getMessage(), ex);
    }
  }

  /** Of two pairs with the same content, the one with more negatives (then the smaller record). */
  static Pair preferred(Pair a, Pair b) {
    if (a.negativeKeys().length != b.negativeKeys().length) {
      return a.negativeKeys().length > b.negativeKeys().length ? a : b;
    }
    return a.record().compareTo(b.record()) <= 0 ? a : b;
  }

  /** Content keys of every query and document of the --exclude benchmarks. */
  private HashSet<Long> excludedKeys(SparkSession session) throws IOException {
    HashSet<Long> keys = new HashSet<>();
    for (String dir : exclude) {
      Benchmark b = Benchmark.load(session, dir);
      for (Item q : b.queries().values()) {
        keys.addAll(keysOf(q));
      }
      keys.addAll(b.corpus().javaRDD().flatMap(r -> corpusKeys(r.getString(1)).iterator())
          .distinct().collect());
    }
    return keys;
  }

  /** The keys of a benchmark document: the item, and its title and text fields on their own. */
  static List<Long> corpusKeys(String record) throws IOException {
    List<Long> keys = new ArrayList<>();
    ItemParser.Result p = ItemParser.parse(record);
    if (p instanceof ItemParser.Ok okItem) {
      keys.addAll(keysOf(okItem.item()));
    }
    JsonNode n = JSON.readTree(record);
    for (String field : List.of("title", "text")) {
      if (n != null && n.path(field).isTextual() && !n.get(field).asText().isBlank()) {
        keys.add(ContentKey.of(n.get(field).asText()));
      }
    }
    return keys;
  }

  /** An item's key, and each text part's own. */
  static List<Long> keysOf(Item item) {
    List<Long> keys = new ArrayList<>();
    keys.add(ContentKey.of(item));
    for (Part p : item.parts()) {
      if (p instanceof Part.Text t) {
        keys.add(ContentKey.of(t.text()));
      }
    }
    return keys;
  }

  /** Mined triplets keyed by pair id: (record with negatives, counts). */
  private JavaPairRDD<Long, Tuple2<String, NegativeSelection.Counts>> mine(JavaSparkContext jsc,
      JavaRDD<Pair> unique, String mode, NegativeSelection.Settings settings,
      Broadcast<HashSet<Long>> excluded, Configuration conf) throws IOException {
    JavaPairRDD<Long, Pair> byId = unique.zipWithUniqueId().mapToPair(t -> t.swap());
    JavaPairRDD<String, HashSet<Long>> known = unique
        .mapToPair(p -> new Tuple2<>(p.task() + "|" + p.queryKey(), single(p.positiveKey())))
        .reduceByKey((a, b) -> {
          a.addAll(b);
          return a;
        });
    HadoopConf hadoop = new HadoopConf(conf);
    String m = model;
    // id → (pair, every positive of the pair's query in its task)
    JavaPairRDD<Long, Tuple2<Pair, HashSet<Long>>> withKnown = byId
        .mapToPair(t -> new Tuple2<>(t._2().task() + "|" + t._2().queryKey(), t))
        .join(known)
        .mapToPair(t -> new Tuple2<>(t._2()._1()._1(), new Tuple2<>(t._2()._1()._2(),
            t._2()._2())))
        .persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<Query> queries = withKnown.filter(t -> t._2()._1().query() != null)
        .map(t -> new Query(t._1(), t._2()._1().task(),
        t._2()._1().queryKey(), t._2()._1().positiveKey(), t._2()._1().query(), t._2()._2(),
        null));
    if (mode.equals("model")) {
      queries = queries.mapPartitions(qs -> ShardSearch.withVectors(qs, m, hadoop.get()));
    }
    JavaPairRDD<String, Doc> docs = unique.filter(p -> p.positive() != null)
        .mapToPair(p -> new Tuple2<>(p.task() + "|" + p.positiveKey(), new Doc(p.positiveKey(),
            p.positive())));
    if (corpus != null) {
      List<String> tasks = unique.map(Pair::task).distinct().collect();
      JavaPairRDD<String, Doc> extra = ItemSource.read(SparkSession.active(), corpus).javaRDD()
          .flatMapToPair(r -> {
            ItemParser.Result p = ItemParser.parse(r.getString(1));
            List<Tuple2<String, Doc>> out = new ArrayList<>();
            if (p instanceof ItemParser.Ok okItem && !okItem.item().joinedText().isBlank()) {
              Doc d = new Doc(ContentKey.of(okItem.item()), okItem.item().joinedText());
              for (String t : tasks) {
                out.add(new Tuple2<>(t + "|" + d.key(), d));
              }
            }
            return out.iterator();
          });
      docs = docs.union(extra);
    }
    // Benchmark documents are not negatives either: that would leak them into training.
    JavaPairRDD<String, Doc> pool = docs.filter(t -> !excluded.value().contains(t._2().key()))
        .reduceByKey((a, b) -> a)
        .mapToPair(t -> new Tuple2<>(t._1().substring(0, t._1().lastIndexOf('|')), t._2()))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long size = pool.count();
    int s = shards > 0 ? shards : (int) Math.max(jsc.defaultParallelism(),
        (size + DOCS_PER_SHARD - 1) / DOCS_PER_SHARD);
    LOG.info("prepare: {} documents in the candidate pools, {} shards per task", size, s);
    JavaPairRDD<String, Doc> docsByShard = pool.mapToPair(t -> new Tuple2<>(t._1() + "#"
        + Math.floorMod(t._2().key(), s), t._2()));
    JavaPairRDD<String, Query> queriesByShard = queries.flatMapToPair(q -> {
      List<Tuple2<String, Query>> out = new ArrayList<>(s);
      for (int i = 0; i < s; i++) {
        out.add(new Tuple2<>(q.task() + "#" + i, q));
      }
      return out.iterator();
    });
    JavaPairRDD<Long, ShardHits> hits = docsByShard.cogroup(queriesByShard)
        .flatMapToPair(g -> ShardSearch.search(g._2()._1(), g._2()._2(), mode, settings.rankTo(), m,
            hadoop.get()));
    return hits.groupByKey().rightOuterJoin(withKnown).mapToPair(t -> new Tuple2<>(t._1(),
        choose(t._2()._2()._1(), t._2()._2()._2(), t._2()._1().orElse(List.of()), settings)));
  }

  private static HashSet<Long> single(long key) {
    HashSet<Long> s = new HashSet<>();
    s.add(key);
    return s;
  }

  /** Merges a query's shard answers and writes its negatives into its record. */
  static Tuple2<String, NegativeSelection.Counts> choose(Pair p, Set<Long> known,
      Iterable<ShardHits> shards, NegativeSelection.Settings s) throws IOException {
    List<NegativeSelection.Candidate> all = new ArrayList<>();
    double pos = Double.NaN;
    for (ShardHits h : shards) {
      all.addAll(h.hits());
      if (!Double.isNaN(h.positiveScore())) {
        pos = h.positiveScore();
      }
    }
    all.sort(NegativeSelection.BEST_FIRST);
    if (all.size() > s.rankTo()) {
      all = new ArrayList<>(all.subList(0, s.rankTo()));
    }
    HashSet<Long> existing = new HashSet<>();
    for (long k : p.negativeKeys()) {
      existing.add(k);
    }
    NegativeSelection.Selected sel = NegativeSelection.select(all, p.queryKey(),
        p.positiveKey(), known, pos, existing, s);
    ObjectNode node = (ObjectNode) JSON.readTree(p.record());
    ArrayNode negs = node.has("negatives") && node.get("negatives").isArray()
        ? (ArrayNode) node.get("negatives") : node.putArray("negatives");
    sel.negatives().forEach(negs::add);
    return new Tuple2<>(node.toString(), sel.counts());
  }

  private static String taskOf(String record) throws IOException {
    return JSON.readTree(record).get("task").asText();
  }

  private static long writeErrors(int part, Iterator<Object> errors, String dir,
      Configuration conf) throws IOException {
    long n = 0;
    OutputStream os = null;
    try {
      while (errors.hasNext()) {
        if (os == null) {
          os = HadoopFiles.create(HadoopFiles.child(dir, String.format("part-%05d.jsonl", part)),
              conf);
        }
        os.write((errors.next() + "\n").getBytes(StandardCharsets.UTF_8));
        n++;
      }
    } finally {
      if (os != null) {
        os.close();
      }
    }
    return n;
  }

  /** Writes a partition's triplets to OUT/task=NAME/part-NNNNN.jsonl; returns counts per task. */
  static TreeMap<String, Long> writeTriplets(int part, Iterator<Tuple2<String, String>> rows,
      String out, Configuration conf) throws IOException {
    Map<String, OutputStream> files = new LinkedHashMap<>();
    TreeMap<String, Long> counts = new TreeMap<>();
    try {
      while (rows.hasNext()) {
        Tuple2<String, String> r = rows.next();
        OutputStream os = files.get(r._1());
        if (os == null) {
          String dir = HadoopFiles.child(out, "task=" + URLEncoder.encode(r._1(),
              StandardCharsets.UTF_8));
          os = HadoopFiles.create(HadoopFiles.child(dir, String.format("part-%05d.jsonl", part)),
              conf);
          files.put(r._1(), os);
        }
        os.write((r._2() + "\n").getBytes(StandardCharsets.UTF_8));
        counts.merge(r._1(), 1L, Long::sum);
      }
    } finally {
      for (OutputStream os : files.values()) {
        os.close();
      }
    }
    return counts;
  }

  private static String summary(String mode, NegativeSelection.Settings s, long rows, long bad,
      long excluded, long duplicates, TreeMap<String, Long> perTask,
      NegativeSelection.Counts c) {
    ObjectNode n = JSON.createObjectNode();
    n.put("negatives", mode);
    n.put("rank_from", s.rankFrom()).put("rank_to", s.rankTo())
        .put("max_relative_score", s.maxRelativeScore()).put("num_negatives", s.count());
    n.put("rows_read", rows).put("bad_rows", bad).put("removed_by_exclude", excluded)
        .put("removed_duplicates", duplicates);
    var t = n.putObject("triplets_per_task");
    perTask.forEach(t::put);
    long total = perTask.values().stream().mapToLong(Long::longValue).sum();
    var f = n.putObject("candidates_removed");
    f.put("outside_rank_range", c.outsideRanks()).put("same_content_as_query_or_positive",
        c.sameContent()).put("known_positive_of_the_query", c.knownPositive())
        .put("above_relative_score", c.tooClose());
    n.put("negatives_mined", c.kept());
    n.put("mined_negatives_per_triplet", total == 0 ? 0 : (double) c.kept() / total);
    n.put("triplets_short_of_negatives", c.queriesShort());
    return n.toPrettyString() + "\n";
  }
}
