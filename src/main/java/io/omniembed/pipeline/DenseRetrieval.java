package io.omniembed.pipeline;

import io.omniembed.io.MediaSource;

import io.omniembed.eval.TopK;

import io.omniembed.io.HadoopConf;
import io.omniembed.io.ItemSource;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.io.Models;
import io.omniembed.model.TextEmbedder;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
 * partition embeds its documents, scores them against all queries a block at a time with one GEMM
 * (scores [queries, block] = Q · Dᵀ, cosine since both sides are L2-normalised), and keeps each
 * query's top k. The driver merges the per-partition lists, which gives the same ranking as one
 * pass over the whole corpus ({@link TopK} breaks ties by id).
 */
public final class DenseRetrieval {

  /** Documents scored per GEMM. */
  static final int BLOCK = 1024;

  /** One partition's contribution: a hit for a query, or a document that failed to embed. */
  public record Scored(String queryId, String docId, float score, String error)
      implements Serializable {}

  /** What each task needs. */
  public record Settings(String model, int dim, int batchSize, int maxLength, int onnxThreads,
      int k, HadoopConf hadoopConf, String prompt) implements Serializable {}

  private DenseRetrieval() {}

  /** Query id → top-k hits, best first. */
  public static Map<String, List<TopK.Hit>> search(SparkSession spark, Dataset<Row> corpus,
      List<String> queryIds, float[][] queryVectors, Settings settings) {
    Broadcast<float[][]> queries = spark.sparkContext().broadcast(queryVectors,
        scala.reflect.ClassTag$.MODULE$.apply(float[][].class));
    List<Scored> parts = corpus.mapPartitions(
        (MapPartitionsFunction<Row, Scored>) rows -> scorePartition(rows, queryIds,
            queries.value(), settings),
        Encoders.javaSerialization(Scored.class)).collectAsList();
    queries.destroy();
    Map<String, TopK> merged = new HashMap<>();
    for (Scored s : parts) {
      if (s.error() != null) {
        throw new IllegalArgumentException("corpus document '" + s.docId() + "' could not be"
            + " embedded: " + s.error());
      }
      merged.computeIfAbsent(s.queryId(), q -> new TopK(settings.k())).offer(s.docId(),
          s.score());
    }
    Map<String, List<TopK.Hit>> out = new HashMap<>();
    merged.forEach((q, top) -> out.put(q, top.sorted()));
    return out;
  }

  /** Embeds one corpus partition and returns each query's top k within it. */
  static Iterator<Scored> scorePartition(Iterator<Row> rows, List<String> queryIds,
      float[][] queries, Settings s) {
    TextEmbedder embedder = Models.embedder(s.model(), s.hadoopConf().get(), s.onnxThreads());
    INDArray q = Nd4j.createFromArray(queries);                 // [Q, d]
    TopK[] tops = new TopK[queries.length];
    for (int i = 0; i < tops.length; i++) {
      tops[i] = new TopK(s.k());
    }
    List<Scored> errors = new ArrayList<>();
    List<String> blockIds = new ArrayList<>();
    List<float[]> blockVectors = new ArrayList<>();
    Iterator<ItemEmbedding.Input> inputs = ItemSource.inputs(rows);
    new ItemEmbedding(embedder, s.batchSize(), s.dim(), 64 * s.batchSize(), s.maxLength(),
        MediaSource.loader(embedder.media(), s.hadoopConf().get()))
        .withPrompt(s.prompt()).run(inputs,
        new ItemEmbedding.Sink() {
          @Override
          public void embedded(ItemEmbedding.Embedded e) {
            blockIds.add(e.id());
            blockVectors.add(e.vector());
            if (blockIds.size() == BLOCK) {
              scoreBlock(q, blockIds, blockVectors, tops);
            }
          }

          @Override
          public void failed(ItemEmbedding.Failed f) {
            errors.add(new Scored(null, f.id(), 0f, f.reason()));
          }
        });
    scoreBlock(q, blockIds, blockVectors, tops);
    List<Scored> out = new ArrayList<>(errors);
    for (int i = 0; i < tops.length; i++) {
      for (TopK.Hit h : tops[i].sorted()) {
        out.add(new Scored(queryIds.get(i), h.docId(), h.score(), null));
      }
    }
    return out.iterator();
  }

  private static void scoreBlock(INDArray q, List<String> ids, List<float[]> vectors,
      TopK[] tops) {
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

  /** Rankings as id lists for the metrics. */
  public static Map<String, List<String>> ids(Map<String, List<TopK.Hit>> hits) {
    Map<String, List<String>> out = new HashMap<>();
    hits.forEach((q, list) -> out.put(q, list.stream().map(TopK.Hit::docId).toList()));
    return out;
  }
}
