package io.omniembed.pipeline;

import io.omniembed.model.Prompts;
import io.omniembed.eval.Benchmark;
import io.omniembed.eval.Bm25Retriever;
import io.omniembed.eval.RetrievalMetrics;
import io.omniembed.eval.TopK;

import io.omniembed.data.Item;
import io.omniembed.data.ItemParser;
import io.omniembed.io.HadoopConf;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.model.ModelSpec;
import io.omniembed.io.Models;
import io.omniembed.model.TextEmbedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Runs one model over a loaded {@link Benchmark}: dense retrieval for embedding models, Lucene for
 * {@code bm25}, then the metrics. Shared by {@code eval} and the greedy {@code soup}.
 */
public final class Evaluation {

  /** Top-k kept per query: enough for Recall@100. */
  public static final int K = 100;

  /** Metrics and what produced them. */
  public record Outcome(Map<String, Double> metrics, String modelHash, int dim,
      Prompts prompts) {}

  private Evaluation() {}

  /** As below, with the model's default prompts. */
  public static Outcome run(SparkSession spark, Benchmark bench, String model, int dim,
      int batchSize, int maxLength) throws java.io.IOException {
    return run(spark, bench, model, dim, batchSize, maxLength, null, null);
  }

  /**
   * Retrieval of {@code bench} with {@code model}; {@code queryPrompt}/{@code corpusPrompt} name
   * the model's prompts put before queries and documents (null: its defaults, see {@link
   * Prompts#resolve}; "none": no prompt).
   */
  public static Outcome run(SparkSession spark, Benchmark bench, String model, int dim,
      int batchSize, int maxLength, String queryPrompt, String corpusPrompt)
      throws java.io.IOException {
    Prompts prompts = Prompts.NONE;
    ModelSpec spec = ModelSpec.parse(model);
    Map<String, List<TopK.Hit>> hits;
    String hash;
    int usedDim = 0;
    if (spec instanceof ModelSpec.Bm25) {
      if (dim > 0) {
        throw new IllegalArgumentException("--dim does not apply to bm25");
      }
      if (queryPrompt != null || corpusPrompt != null) {
        throw new IllegalArgumentException("prompts do not apply to bm25");
      }
      List<Item> docs = new ArrayList<>();
      for (Row r : bench.corpus().collectAsList()) {
        docs.add(((ItemParser.Ok) ItemParser.parse(r.getString(1))).item());
      }
      try (Bm25Retriever bm25 = new Bm25Retriever(docs.iterator())) {
        hits = bm25.search(bench.queries(), K);
      }
      hash = "lucene-" + org.apache.lucene.util.Version.LATEST;
    } else {
      int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
      var conf = spark.sparkContext().hadoopConfiguration();
      TextEmbedder embedder = Models.embedder(model, conf, threads);
      usedDim = ItemEmbedding.resolveDim(embedder, dim);
      ItemEmbedding.resolveMaxLength(embedder, maxLength);
      prompts = Prompts.resolve(embedder.card(), model, queryPrompt, corpusPrompt);
      List<String> ids = new ArrayList<>();
      float[][] vectors = embedQueries(embedder, bench, usedDim, batchSize, maxLength,
          prompts.queryText(), ids, conf);
      hits = DenseRetrieval.search(spark, bench.corpus(), ids, vectors,
          new DenseRetrieval.Settings(model, usedDim, batchSize, maxLength, threads, K,
              new HadoopConf(conf), prompts.corpusText()));
      hash = embedder.modelHash();
    }
    return new Outcome(RetrievalMetrics.evaluate(DenseRetrieval.ids(hits), bench.qrels()), hash,
        usedDim, prompts);
  }

  private static float[][] embedQueries(TextEmbedder embedder, Benchmark bench, int dim,
      int batchSize, int maxLength, String prompt, List<String> idsOut,
      org.apache.hadoop.conf.Configuration conf) {
    String source = io.omniembed.io.HadoopFiles.child(bench.dir(), Benchmark.QUERIES);
    List<ItemEmbedding.Input> inputs = new ArrayList<>();
    bench.queries().forEach((id, q) -> {
      idsOut.add(id);
      inputs.add(new ItemEmbedding.Input(source, new ItemParser.Ok(q)));
    });
    return DenseRetrieval.embedQueries(embedder, inputs, dim, batchSize, maxLength, prompt, conf,
        bench.dir() + "/" + Benchmark.QUERIES);
  }
}
