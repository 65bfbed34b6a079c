package io.omniembed.pipeline;

import io.omniembed.eval.TopK;
import io.omniembed.io.HnswIndex;
import io.omniembed.io.VectorSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Top-k over an {@code embed} output for a handful of embedded queries: exact by default (the
 * vectors scored by blocked matrix products on the executors, {@link
 * DenseRetrieval#searchVectors}), or approximate through the set's HNSW index ({@link
 * HnswIndex}) when it has one. The index is built on the driver, the vectors streamed to it
 * partition by partition, because an HNSW graph is one structure; it is built once and reused
 * until the Parquet files change.
 */
public final class VectorSearch {

  /** Queries per forward pass when embedding them. */
  public static final int QUERY_BATCH = 32;

  /** HNSW candidates kept per query unless asked otherwise (Elasticsearch's num_candidates). */
  public static final int DEFAULT_CANDIDATES = 100;

  /** How the hits were found. */
  public enum Method {
    EXACT("exact"),
    HNSW("hnsw");

    private final String key;

    Method(String key) {
      this.key = key;
    }

    /** The name in reports. */
    public String key() {
      return key;
    }
  }

  /**
   * @param buildIndex build the HNSW index first, unless a current one is there
   * @param exact      search exactly even when an index is there
   * @param candidates HNSW search width, at least k
   */
  public record Request(int k, boolean buildIndex, boolean exact, int candidates) {
    public Request {
      if (k <= 0) {
        throw new IllegalArgumentException("--k must be > 0, got " + k);
      }
      if (candidates < k) {
        throw new IllegalArgumentException("--num-candidates must be at least --k (" + k
            + "), got " + candidates);
      }
    }
  }

  /**
   * The hits (query id → best first) and how they were found; {@code index} is the manifest of
   * the index used or built (null when there is none), {@code built} whether this run built it.
   */
  public record Outcome(Method method, Map<String, List<TopK.Hit>> hits,
      HnswIndex.Manifest index, boolean built) {}

  private VectorSearch() {}

  public static Outcome run(SparkSession spark, VectorSet set, List<String> queryIds,
      float[][] queries, Request request) throws IOException {
    var conf = spark.sparkContext().hadoopConfiguration();
    HnswIndex.Manifest manifest = HnswIndex.manifest(set.dir(), conf);
    boolean built = false;
    if (request.buildIndex() && (manifest == null || !manifest.differences(set).isEmpty())) {
      manifest = buildIndex(spark, set);
      built = true;
    }
    if (request.exact() || manifest == null) {
      return new Outcome(Method.EXACT,
          DenseRetrieval.searchVectors(spark, set.rows(spark), queryIds, queries, request.k()),
          manifest, built);
    }
    try (HnswIndex index = HnswIndex.open(set, conf)) {
      return new Outcome(Method.HNSW, approximate(index, queryIds, queries, request.k(),
          request.candidates()), manifest, built);
    }
  }

  /** Builds {@code set.dir()/_hnsw} from every vector of the set, streamed to the driver. */
  public static HnswIndex.Manifest buildIndex(SparkSession spark, VectorSet set)
      throws IOException {
    Iterator<Row> rows = set.rows(spark).toLocalIterator();
    Iterator<VectorSet.Vector> vectors = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public VectorSet.Vector next() {
        return VectorSet.vector(rows.next());
      }
    };
    return HnswIndex.build(set, vectors, spark.sparkContext().hadoopConfiguration());
  }

  /** Each query's approximate top k from the index, as exact search reports them. */
  public static Map<String, List<TopK.Hit>> approximate(HnswIndex index, List<String> queryIds,
      float[][] queries, int k, int candidates) {
    Map<String, List<TopK.Hit>> out = new HashMap<>();
    for (int i = 0; i < queries.length; i++) {
      List<TopK.Hit> hits = new ArrayList<>();
      for (HnswIndex.Neighbor n : index.search(queries[i], k, candidates)) {
        hits.add(new TopK.Hit(n.id(), n.score()));
      }
      out.put(queryIds.get(i), hits);
    }
    return out;
  }
}
