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
import io.omniembed.model.onnx.Inference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
  /** The name of the query-prompt variant without a prompt. */
  public static final String NO_PROMPT = "none";
  /** Separates a variant's number from a query id (a control character no id contains). */
  private static final String VARIANT = "\u0001";

  /**
   * Metrics and what produced them; {@code byQueryPrompt} holds, when asked for, the metrics of
   * the same run with each other query prompt of the model (a prompt name, or "none" for no
   * prompt), in the model's prompt order.
   */
  public record Outcome(Map<String, Double> metrics, String modelHash, int dim,
      Prompts prompts, String engine, String precision,
      Map<String, Map<String, Double>> byQueryPrompt, List<String> failedDocuments) {}

  private Evaluation() {}

  /** As below, with the model's default prompts, on the own encoder. */
  public static Outcome run(SparkSession spark, Benchmark bench, String model, int dim,
      int batchSize, int maxLength) throws java.io.IOException {
    return run(spark, bench, model, Inference.NATIVE, dim, batchSize, maxLength, null, null,
        false);
  }

  /**
   * Retrieval of {@code bench} with {@code model}; {@code queryPrompt}/{@code corpusPrompt} name
   * the model's prompts put before queries and documents (null: its defaults, see {@link
   * Prompts#resolve}; "none": no prompt); {@code inference} says how the model runs. With
   * {@code otherQueryPrompts}, the queries are also embedded with every other prompt the model
   * has, and with none, and all variants are scored in the same pass over the corpus (the
   * documents are embedded once): a trained checkpoint is reported with and without each of
   * its task strings.
   */
  public static Outcome run(SparkSession spark, Benchmark bench, String model,
      Inference inference, int dim, int batchSize, int maxLength, String queryPrompt,
      String corpusPrompt, boolean otherQueryPrompts)
      throws java.io.IOException {
    Prompts prompts = Prompts.NONE;
    ModelSpec spec = ModelSpec.parse(model);
    Map<String, List<TopK.Hit>> hits;
    Map<String, Map<String, Double>> byQueryPrompt = new LinkedHashMap<>();
    List<String> failedDocuments = List.of();
    String hash;
    int usedDim = 0;
    String engine = "lucene";
    String precision = "";
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
      TextEmbedder embedder = Models.embedder(model, inference, conf, threads);
      engine = embedder.engine();
      precision = embedder.precision();
      usedDim = ItemEmbedding.resolveDim(embedder, dim);
      ItemEmbedding.resolveMaxLength(embedder, maxLength);
      prompts = Prompts.resolve(embedder.card(), model, queryPrompt, corpusPrompt);
      // Variant 0 is the run asked for; the others differ only in the query prompt.
      List<String> variants = new ArrayList<>();
      variants.add(prompts.queryName() == null ? NO_PROMPT : prompts.queryName());
      if (otherQueryPrompts) {
        for (String name : embedder.card().prompts().keySet()) {
          if (!variants.contains(name) && !name.equals(prompts.corpusName())) {
            variants.add(name);
          }
        }
        if (variants.size() > 1 && !variants.contains(NO_PROMPT)) {
          variants.add(NO_PROMPT);
        }
      }
      List<String> ids = new ArrayList<>();
      List<float[]> vectors = new ArrayList<>();
      for (int v = 0; v < variants.size(); v++) {
        String name = variants.get(v);
        String text = v == 0 ? prompts.queryText()
            : NO_PROMPT.equals(name) ? "" : embedder.card().prompt(name, model);
        List<String> variantIds = new ArrayList<>();
        float[][] q = embedQueries(embedder, bench, usedDim, batchSize, maxLength, text,
            variantIds, conf);
        for (int i = 0; i < q.length; i++) {
          ids.add(v == 0 ? variantIds.get(i) : v + VARIANT + variantIds.get(i));
          vectors.add(q[i]);
        }
      }
      DenseRetrieval.Retrieved retrieved = DenseRetrieval.search(spark, bench.corpus(), ids,
          vectors.toArray(new float[0][]),
          new DenseRetrieval.Settings(model, inference, usedDim, batchSize, maxLength, K,
              new HadoopConf(conf), prompts.corpusText()));
      Map<String, List<TopK.Hit>> all = retrieved.hits();
      failedDocuments = retrieved.failedDocuments().stream().sorted().toList();
      List<Map<String, List<TopK.Hit>>> split = new ArrayList<>();
      variants.forEach(v -> split.add(new HashMap<>()));
      all.forEach((id, h) -> {
        int cut = id.indexOf(VARIANT);
        if (cut < 0) {
          split.get(0).put(id, h);
        } else {
          split.get(Integer.parseInt(id.substring(0, cut))).put(id.substring(cut + 1), h);
        }
      });
      hits = split.get(0);
      if (variants.size() > 1) {
        for (int v = 0; v < variants.size(); v++) {
          byQueryPrompt.put(variants.get(v), RetrievalMetrics.evaluate(
              DenseRetrieval.ids(split.get(v)), bench.qrels()));
        }
      }
      hash = embedder.modelHash();
    }
    return new Outcome(RetrievalMetrics.evaluate(DenseRetrieval.ids(hits), bench.qrels()), hash,
        usedDim, prompts, engine, precision, byQueryPrompt, failedDocuments);
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
