package io.omniembed.pipeline;

import io.omniembed.data.ItemParser;
import io.omniembed.eval.TopK;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.ItemSource;
import io.omniembed.io.MediaSource;
import io.omniembed.io.Models;
import io.omniembed.io.VectorSet;
import io.omniembed.ml.Embedder;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.Inference;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Exact dense retrieval distributed over the corpus: the query matrix is broadcast; every corpus
 * partition scores its documents against all queries a block at a time with one GEMM (scores
 * [queries, block] = Q · Dᵀ, cosine since both sides are L2-normalised), and keeps each query's
 * top k. The driver merges the per-partition lists, which gives the same ranking as one pass over
 * the whole corpus ({@link TopK} breaks ties by id). The corpus is either items that each
 * partition embeds first ({@link #search}, for {@code eval}) or vectors already embedded
 * ({@link #searchVectors}, for {@code search}).
 */
public final class DenseRetrieval {

  /** Documents scored per GEMM. */
  static final int BLOCK = 1024;

  /** One partition's contribution: a hit for a query, or a document that failed to embed. */
  public record Scored(String queryId, String docId, float score, String error)
      implements Serializable {}

  /**
   * Query id → top-k hits, best first, and the corpus documents that could not be embedded
   * ("id: reason", in no particular order): they are in no ranking, so a judged one counts as
   * never retrieved.
   */
  public record Retrieved(Map<String, List<TopK.Hit>> hits, List<String> failedDocuments) {}

  /** What each task needs. */
  public record Settings(String model, Inference inference, int dim, int batchSize,
      int maxLength, int k, HadoopConf hadoopConf, String prompt)
      implements Serializable {}

  /** What one partition does with its rows, given the broadcast queries. */
  private interface PartitionScorer extends Serializable {
    Iterator<Scored> score(Iterator<Row> rows, float[][] queries);
  }

  private DenseRetrieval() {}

  /**
   * Query id → top-k hits over corpus items {@code (source, record)}; a document that cannot be
   * embedded (a corrupt image, an empty text) does not stop the search but is returned with its
   * reason.
   */
  public static Retrieved search(SparkSession spark, Dataset<Row> corpus,
      List<String> queryIds, float[][] queryVectors, Settings settings) {
    return run(spark, corpus, queryVectors, settings.k(),
        (rows, queries) -> scorePartition(rows, queryIds, queries, settings));
  }

  /**
   * Query id → top-k hits, best first, over embedded vectors: rows {@code (id, embedding)} of
   * {@code queryVectors}' dimension ({@link VectorSet#rows}).
   */
  public static Map<String, List<TopK.Hit>> searchVectors(SparkSession spark,
      Dataset<Row> vectors, List<String> queryIds, float[][] queryVectors, int k) {
    return run(spark, vectors, queryVectors, k,
        (rows, queries) -> scoreVectors(rows, queryIds, queries, k)).hits();
  }

  private static Retrieved run(SparkSession spark, Dataset<Row> corpus,
      float[][] queryVectors, int k, PartitionScorer scorer) {
    Broadcast<float[][]> queries = spark.sparkContext().broadcast(queryVectors,
        scala.reflect.ClassTag$.MODULE$.apply(float[][].class));
    List<Scored> parts = corpus.mapPartitions(
        (MapPartitionsFunction<Row, Scored>) rows -> scorer.score(rows, queries.value()),
        Encoders.javaSerialization(Scored.class)).collectAsList();
    queries.destroy();
    Map<String, TopK> merged = new HashMap<>();
    List<String> failed = new ArrayList<>();
    for (Scored s : parts) {
      if (s.error() != null) {
        failed.add(s.docId() + ": " + s.error());
      } else {
        merged.computeIfAbsent(s.queryId(), q -> new TopK(k)).offer(s.docId(), s.score());
      }
    }
    Map<String, List<TopK.Hit>> out = new HashMap<>();
    merged.forEach((q, top) -> out.put(q, top.sorted()));
    return new Retrieved(out, failed);
  }

  /** Embeds one corpus partition and returns each query's top k within it. */
  static Iterator<Scored> scorePartition(Iterator<Row> rows, List<String> queryIds,
      float[][] queries, Settings s) {
    // ONNX Runtime with the task's cores, like embed's tasks: concurrent tasks of an executor
    // do not oversubscribe it
    TextEmbedder embedder = Models.embedder(s.model(), s.inference(), s.hadoopConf().get(),
        Embedder.threads());
    BlockScorer scorer = new BlockScorer(queries, s.k());
    List<Scored> errors = new ArrayList<>();
    Iterator<ItemEmbedding.Input> inputs = ItemSource.inputs(rows);
    new ItemEmbedding(embedder, s.batchSize(), s.dim(), 64 * s.batchSize(), s.maxLength(),
        MediaSource.loader(embedder.media(), s.hadoopConf().get()))
        .withPrompt(s.prompt()).run(inputs,
        new ItemEmbedding.Sink() {
          @Override
          public void embedded(ItemEmbedding.Embedded e) {
            scorer.add(e.id(), e.vector());
          }

          @Override
          public void failed(ItemEmbedding.Failed f) {
            errors.add(new Scored(null, f.id(), 0f, f.reason()));
          }
        });
    List<Scored> out = new ArrayList<>(errors);
    out.addAll(scorer.finish(queryIds));
    return out.iterator();
  }

  /** Scores one partition of embedded vectors and returns each query's top k within it. */
  static Iterator<Scored> scoreVectors(Iterator<Row> rows, List<String> queryIds,
      float[][] queries, int k) {
    BlockScorer scorer = new BlockScorer(queries, k);
    while (rows.hasNext()) {
      VectorSet.Vector v = VectorSet.vector(rows.next());
      if (queries.length > 0 && v.values().length != queries[0].length) {
        throw new IllegalArgumentException("vector '" + v.id() + "' has " + v.values().length
            + " dimensions, the queries " + queries[0].length);
      }
      scorer.add(v.id(), v.values());
    }
    return scorer.finish(queryIds).iterator();
  }

  /** Collects documents into blocks of {@link #BLOCK} and scores each block with one GEMM. */
  private static final class BlockScorer {
    private final INDArray q;                 // [Q, d]
    private final TopK[] tops;
    private final List<String> ids = new ArrayList<>();
    private final List<float[]> vectors = new ArrayList<>();

    BlockScorer(float[][] queries, int k) {
      this.q = Nd4j.createFromArray(queries);
      this.tops = new TopK[queries.length];
      for (int i = 0; i < tops.length; i++) {
        tops[i] = new TopK(k);
      }
    }

    void add(String id, float[] vector) {
      ids.add(id);
      vectors.add(vector);
      if (ids.size() == BLOCK) {
        scoreBlock();
      }
    }

    /** Scores what is left and returns every query's top k. */
    List<Scored> finish(List<String> queryIds) {
      scoreBlock();
      List<Scored> out = new ArrayList<>();
      for (int i = 0; i < tops.length; i++) {
        for (TopK.Hit h : tops[i].sorted()) {
          out.add(new Scored(queryIds.get(i), h.docId(), h.score(), null));
        }
      }
      return out;
    }

    private void scoreBlock() {
      if (ids.isEmpty()) {
        return;
      }
      INDArray docs = Nd4j.createFromArray(vectors.toArray(new float[0][]));   // [n, d]
      INDArray scores = Nd4j.create(q.dataType(), q.size(0), docs.size(0));
      Nd4j.gemm(q, docs, scores, false, true, 1.0, 0.0);                      // [Q, n]
      float[][] s = scores.toFloatMatrix();
      for (int i = 0; i < tops.length; i++) {
        for (int j = 0; j < ids.size(); j++) {
          tops[i].offer(ids.get(j), s[i][j]);
        }
      }
      ids.clear();
      vectors.clear();
    }
  }

  /**
   * Embeds queries on the driver at {@code dim} (a Matryoshka prefix, re-normalised, when below
   * the model's), in the order given. A query that cannot be embedded stops the run, named with
   * {@code where} (the file it came from).
   */
  public static float[][] embedQueries(TextEmbedder embedder, List<ItemEmbedding.Input> queries,
      int dim, int batchSize, int maxLength, String prompt, Configuration conf, String where) {
    Map<String, float[]> byId = new HashMap<>();
    new ItemEmbedding(embedder, batchSize, dim, 64 * batchSize, maxLength,
        MediaSource.loader(embedder.media(), conf)).withPrompt(prompt).run(queries.iterator(),
        new ItemEmbedding.Sink() {
          @Override
          public void embedded(ItemEmbedding.Embedded e) {
            byId.put(e.id(), e.vector());
          }

          @Override
          public void failed(ItemEmbedding.Failed f) {
            throw new IllegalArgumentException(where + ": query '" + f.id() + "' could not be"
                + " embedded: " + f.reason());
          }
        });
    float[][] out = new float[queries.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = byId.get(((ItemParser.Ok) queries.get(i).result()).item().id());
    }
    return out;
  }

  /** Rankings as id lists for the metrics. */
  public static Map<String, List<String>> ids(Map<String, List<TopK.Hit>> hits) {
    Map<String, List<String>> out = new HashMap<>();
    hits.forEach((q, list) -> out.put(q, list.stream().map(TopK.Hit::docId).toList()));
    return out;
  }
}
