package io.omniembed.bench;

import io.omniembed.io.OutputPrecision;
import io.omniembed.io.PartFiles;

import io.omniembed.eval.TopK;
import io.omniembed.io.EmbeddingParquet;
import io.omniembed.io.HnswIndex;
import io.omniembed.io.Models;
import io.omniembed.io.QueryItems;
import io.omniembed.io.VectorSet;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.model.TextEmbedder;
import io.omniembed.pipeline.DenseRetrieval;
import io.omniembed.pipeline.VectorSearch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code search} job's two paths on one vector set: N random unit vectors (Gaussian
 * coordinates, normalised; seeded) written as an embed output of F Parquet files, then the HNSW
 * index build time (vectors read by Spark and streamed to the driver, as {@code --build-index}
 * does), exact top-10 of Q random unit queries through the Spark stage ({@link
 * DenseRetrieval#searchVectors}, all queries in one pass), and HNSW top-10 of the same queries one
 * at a time at several search widths: recall@10 against exact and queries/s of each.
 *
 * <p>Random vectors are the hard case for a graph index: nothing clusters, and the true
 * neighbours of a random query are barely nearer than the rest (the dot product of two random
 * unit vectors has a standard deviation of 1/√dim, 0.05 at 384, and the top 10 of 100,000 lie
 * only about four of those above the mean; the benchmark prints their mean score), so the recall
 * here is a floor: real embeddings cluster.
 *
 * <p>{@code --embedded} takes an {@code embed} output and a JSONL file of query items instead,
 * embedded with the model that made the output: the same figures on real embeddings.
 *
 * <pre>
 *   SearchBenchmark OUT_DIR [N=100000] [DIM=384] [QUERIES=200] [THREADS=2] [SEED=1]
 *   SearchBenchmark --embedded DIR QUERIES.jsonl MODEL [THREADS=2]
 * </pre>
 */
public final class SearchBenchmark {

  private static final int K = 10;
  private static final int FILES = 4;
  private static final int[] WIDTHS = {10, 25, 50, 100, 200, 400};

  private SearchBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("--embedded")) {
      embedded(args[1], args[2], args[3], args.length > 4 ? Integer.parseInt(args[4]) : 2);
      return;
    }
    String out = args[0];
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int dim = args.length > 2 ? Integer.parseInt(args[2]) : 384;
    int q = args.length > 3 ? Integer.parseInt(args[3]) : 200;
    int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
    long seed = args.length > 5 ? Long.parseLong(args[5]) : 1;
    Configuration conf = new Configuration();

    long t0 = System.nanoTime();
    Random random = new Random(seed);
    Map<String, String> meta = EmbeddingParquet.metadata("random-unit-vectors",
        "seed-" + seed + "-n-" + n + "-dim-" + dim, dim, OutputPrecision.FLOAT32);
    for (int f = 0; f < FILES; f++) {
      String path = out + "/" + PartFiles.parquet(f);
      try (ParquetWriter<EmbeddingParquet.VectorRow> w = EmbeddingParquet.open(path,
          EmbeddingParquet.Layout.DEFAULT, meta, conf)) {
        for (int i = f; i < n; i += FILES) {
          w.write(new EmbeddingParquet.VectorRow("v" + i, unit(random, dim), null));
        }
      }
    }
    System.out.printf("wrote %d random unit vectors in %.1f s%n", n, seconds(t0));
    float[][] queries = new float[q][];
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < q; i++) {
      queries[i] = unit(random, dim);
      ids.add("q" + i);
    }
    SparkSession spark = session(threads);
    try {
      measure(spark, VectorSet.open(out, conf), ids, queries);
    } finally {
      spark.stop();
    }
  }

  /**
   * The same measurements on an existing embed output {@code dir} and queries (a JSONL file of
   * items) embedded with {@code model}, the model that made it.
   */
  static void embedded(String dir, String queryFile, String model, int threads)
      throws Exception {
    SparkSession spark = session(threads);
    try {
      Configuration conf = spark.sparkContext().hadoopConfiguration();
      VectorSet set = VectorSet.open(dir, conf);
      TextEmbedder embedder = Models.embedder(model, conf, threads);
      List<ItemEmbedding.Input> items = QueryItems.file(queryFile, conf);
      float[][] queries = DenseRetrieval.embedQueries(embedder, items, set.queryDim(embedder),
          VectorSearch.QUERY_BATCH, 0, "", conf, queryFile);
      measure(spark, set, items.stream().map(QueryItems::id).toList(), queries);
    } finally {
      spark.stop();
    }
  }

  private static SparkSession session(int threads) {
    return SparkSession.builder().master("local[" + threads + "]")
        .appName("omniembed search benchmark").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").config("spark.ui.enabled", "false")
        .getOrCreate();
  }

  private static void measure(SparkSession spark, VectorSet set, List<String> ids,
      float[][] queries) throws Exception {
    int q = queries.length;
    System.out.printf("vectors: %d x %d in %d files (%s), %d queries%n", set.count(),
        set.meta().dim(), set.files().size(), set.meta().modelId(), q);
    long t0 = System.nanoTime();
    HnswIndex.Manifest m = VectorSearch.buildIndex(spark, set);
    System.out.printf("RESULT step=build vectors=%d dim=%d max_conn=%d beam_width=%d"
        + " seconds=%.1f%n", m.vectors(), m.dim(), m.maxConn(), m.beamWidth(), seconds(t0));

    Map<String, List<TopK.Hit>> exact = null;
    for (int rep = 0; rep < 2; rep++) {   // the first pass also starts the executors' JIT
      t0 = System.nanoTime();
      exact = DenseRetrieval.searchVectors(spark, set.rows(spark), ids, queries, K);
      double s = seconds(t0);
      System.out.printf("RESULT step=exact rep=%d queries=%d seconds=%.2f queries_per_s=%.1f%n",
          rep, q, s, q / s);
    }
    System.out.printf("exact scores: top-1 mean %.3f, 10th mean %.3f%n",
        exact.values().stream().mapToDouble(h -> h.get(0).score()).average().orElse(0),
        exact.values().stream().mapToDouble(h -> h.get(h.size() - 1).score()).average()
            .orElse(0));

    try (HnswIndex index = HnswIndex.open(set, spark.sparkContext().hadoopConfiguration())) {
      VectorSearch.approximate(index, ids, queries, K, WIDTHS[WIDTHS.length - 1]);   // warm up
      for (int width : WIDTHS) {
        t0 = System.nanoTime();
        Map<String, List<TopK.Hit>> approx = VectorSearch.approximate(index, ids, queries, K,
            width);
        double s = seconds(t0);
        System.out.printf("RESULT step=hnsw num_candidates=%d recall_at_10=%.4f seconds=%.3f"
            + " queries_per_s=%.1f%n", width, recall(exact, approx), s, q / s);
      }
    }
  }

  /** Mean share of each query's exact top k that the approximate top k holds. */
  static double recall(Map<String, List<TopK.Hit>> exact, Map<String, List<TopK.Hit>> approx) {
    double sum = 0;
    for (Map.Entry<String, List<TopK.Hit>> e : exact.entrySet()) {
      Set<String> truth = new HashSet<>();
      e.getValue().forEach(h -> truth.add(h.docId()));
      long found = approx.get(e.getKey()).stream().filter(h -> truth.contains(h.docId())).count();
      sum += (double) found / truth.size();
    }
    return sum / exact.size();
  }

  private static float[] unit(Random random, int dim) {
    float[] v = new float[dim];
    double norm = 0;
    for (int i = 0; i < dim; i++) {
      v[i] = (float) random.nextGaussian();
      norm += (double) v[i] * v[i];
    }
    float inv = (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < dim; i++) {
      v[i] *= inv;
    }
    return v;
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
