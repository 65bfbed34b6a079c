package io.omniembed.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.ContentKey;
import io.omniembed.data.ItemParser;
import io.omniembed.data.NegativeSelection;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.ItemSource;
import io.omniembed.io.SourcedRecord;
import io.omniembed.pipeline.PairPreparation.Pair;
import io.omniembed.pipeline.ShardSearch.Doc;
import io.omniembed.pipeline.ShardSearch.Query;
import io.omniembed.pipeline.ShardSearch.ShardHits;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The second half of {@code prepare}: hard negatives for every pair, mined without collecting
 * anything. Each task's candidate pool (its positives, plus the extra corpus, minus benchmark
 * documents) is split into shards; every shard is searched for every query of its task
 * ({@link ShardSearch}: a Lucene BM25 index with shard-local statistics, as Elasticsearch's default
 * search does, or exact cosine similarity of a model's embeddings); the shards' lists are merged
 * per query and {@link NegativeSelection} picks the negatives.
 */
public final class HardNegativeMining {

  private static final Logger LOG = LoggerFactory.getLogger(HardNegativeMining.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DOCS_PER_SHARD = 50_000;

  /** How negatives are found ({@code prepare --negatives}). */
  public enum Method {
    BM25, MODEL, NONE;

    public static Method parse(String arg) {
      try {
        return valueOf(arg.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--negatives must be bm25, model or none, got '"
            + arg + "'");
      }
    }
  }

  /** What mining needs besides the pairs; {@code model} only for {@link Method#MODEL}. */
  public record Settings(Method method, String model, NegativeSelection.Settings selection,
      String corpus, int shards) implements Serializable {}

  /** A task's document or query key: pools and positives are per task. */
  record TaskKey(String task, long key) implements Serializable {
    @Override
    public int hashCode() {   // explicit: partitioning must agree across executor JVMs
      return task.hashCode() * 31 + Long.hashCode(key);
    }
  }

  /** One shard of a task's candidate pool. */
  record TaskShard(String task, int shard) implements Serializable {
    @Override
    public int hashCode() {
      return task.hashCode() * 31 + shard;
    }
  }

  /** A triplet: its task and record (with the negatives), and what selection removed. */
  public record Triplet(String task, String record, NegativeSelection.Counts counts)
      implements Serializable {}

  private HardNegativeMining() {}

  /** Every pair of {@code unique} as a triplet with its mined negatives. */
  public static JavaRDD<Triplet> mine(SparkSession session, JavaRDD<Pair> unique,
      Settings settings, Broadcast<HashSet<Long>> excluded) throws IOException {
    HadoopConf hadoop = new HadoopConf(session.sparkContext().hadoopConfiguration());
    Method method = settings.method();
    String model = settings.model();
    int rankTo = settings.selection().rankTo();
    JavaPairRDD<Long, Pair> byId = unique.zipWithUniqueId().mapToPair(Tuple2::swap);
    JavaPairRDD<TaskKey, HashSet<Long>> known = unique
        .mapToPair(p -> new Tuple2<>(new TaskKey(p.task(), p.queryKey()),
            single(p.positiveKey())))
        .reduceByKey((a, b) -> {
          a.addAll(b);
          return a;
        });
    // id → (pair, every positive of the pair's query in its task)
    JavaPairRDD<Long, Tuple2<Pair, HashSet<Long>>> withKnown = byId
        .mapToPair(t -> new Tuple2<>(new TaskKey(t._2().task(), t._2().queryKey()), t))
        .join(known)
        .mapToPair(t -> new Tuple2<>(t._2()._1()._1(), new Tuple2<>(t._2()._1()._2(),
            t._2()._2())))
        .persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<Query> queries = withKnown.filter(t -> t._2()._1().query() != null)
        .map(t -> new Query(t._1(), t._2()._1().task(), t._2()._1().queryKey(),
            t._2()._1().positiveKey(), t._2()._1().query(), t._2()._2(), null));
    if (method == Method.MODEL) {
      queries = queries.mapPartitions(qs -> ShardSearch.withVectors(qs, model, hadoop.get()));
    }
    Pool pool = pool(session, unique, settings, excluded);
    int shards = pool.shards();
    JavaPairRDD<TaskShard, Query> queriesByShard = queries.flatMapToPair(q -> {
      List<Tuple2<TaskShard, Query>> out = new ArrayList<>(shards);
      for (int i = 0; i < shards; i++) {
        out.add(new Tuple2<>(new TaskShard(q.task(), i), q));
      }
      return out.iterator();
    });
    JavaPairRDD<Long, ShardHits> hits = pool.docs().cogroup(queriesByShard)
        .flatMapToPair(g -> ShardSearch.search(g._2()._1(), g._2()._2(),
            method == Method.BM25, rankTo, model, hadoop.get()));
    NegativeSelection.Settings selection = settings.selection();
    return hits.groupByKey().rightOuterJoin(withKnown).values()
        .map(t -> choose(t._2()._1(), t._2()._2(), t._1().orElse(List.of()), selection));
  }

  /** The candidate pools' documents by shard, and the number of shards per task. */
  private record Pool(JavaPairRDD<TaskShard, Doc> docs, int shards) {}

  /**
   * Each task's candidate pool (its positives with text, plus every text document of
   * {@code corpus}), benchmark documents removed, duplicates kept once, spread over the shards.
   */
  private static Pool pool(SparkSession session,
      JavaRDD<Pair> unique, Settings settings, Broadcast<HashSet<Long>> excluded)
      throws IOException {
    JavaPairRDD<TaskKey, Doc> docs = unique.filter(p -> p.positive() != null)
        .mapToPair(p -> new Tuple2<>(new TaskKey(p.task(), p.positiveKey()),
            new Doc(p.positiveKey(), p.positive())));
    if (settings.corpus() != null) {
      List<String> tasks = unique.map(Pair::task).distinct().collect();
      docs = docs.union(ItemSource.read(session, settings.corpus()).javaRDD()
          .flatMapToPair(r -> {
            List<Tuple2<TaskKey, Doc>> out = new ArrayList<>();
            if (ItemParser.parse(SourcedRecord.of(r).record()) instanceof ItemParser.Ok okItem
                && !okItem.item().joinedText().isBlank()) {
              Doc d = new Doc(ContentKey.of(okItem.item()), okItem.item().joinedText());
              for (String t : tasks) {
                out.add(new Tuple2<>(new TaskKey(t, d.key()), d));
              }
            }
            return out.iterator();
          }));
    }
    // Benchmark documents are not negatives either: that would leak them into training.
    JavaPairRDD<TaskKey, Doc> pool = docs.filter(t -> !excluded.value().contains(t._2().key()))
        .reduceByKey((a, b) -> a).persist(StorageLevel.MEMORY_AND_DISK());
    long size = pool.count();
    int s = settings.shards() > 0 ? settings.shards()
        : (int) Math.max(session.sparkContext().defaultParallelism(),
            (size + DOCS_PER_SHARD - 1) / DOCS_PER_SHARD);
    LOG.info("prepare: {} documents in the candidate pools, {} shards per task", size, s);
    return new Pool(pool.mapToPair(t -> new Tuple2<>(new TaskShard(t._1().task(),
        Math.floorMod(t._2().key(), s)), t._2())), s);
  }

  private static HashSet<Long> single(long key) {
    HashSet<Long> s = new HashSet<>();
    s.add(key);
    return s;
  }

  /** Merges a query's shard answers and writes its negatives into its record. */
  static Triplet choose(Pair p, Set<Long> known, Iterable<ShardHits> shards,
      NegativeSelection.Settings s) throws IOException {
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
    return new Triplet(p.task(), node.toString(), sel.counts());
  }
}
