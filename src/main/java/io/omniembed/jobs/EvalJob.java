package io.omniembed.jobs;

import io.omniembed.data.Item;
import io.omniembed.data.ItemParser;
import io.omniembed.eval.Benchmark;
import io.omniembed.eval.Bm25Retriever;
import io.omniembed.eval.DenseRetrieval;
import io.omniembed.eval.EvalReport;
import io.omniembed.eval.RetrievalMetrics;
import io.omniembed.eval.TopK;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.Models;
import io.omniembed.model.TextEmbedder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code eval}: retrieval metrics of a model on a BEIR-layout benchmark. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = {"Evaluate retrieval on a BEIR-layout benchmark (corpus.jsonl, queries.jsonl,"
        + " qrels/test.tsv; any Hadoop path).",
        "Reports NDCG@10, Recall@1/10/100 and MRR@10 (MTEB definitions) as FILE.json and a"
            + " printed table. --model: a checkpoint directory, pretrained:all-MiniLM-L6-v2, or the"
            + " baselines onnx:all-MiniLM-L6-v2 (ONNX Runtime) and bm25 (Lucene)."})
public final class EvalJob implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(EvalJob.class);
  private static final int K = 100;

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "Checkpoint directory, pretrained:all-MiniLM-L6-v2, onnx:all-MiniLM-L6-v2 or"
          + " bm25.")
  String model;

  @Option(names = "--benchmark", required = true, paramLabel = "DIR",
      description = "Benchmark directory in the BEIR layout.")
  String benchmark;

  @Option(names = "--out", required = true, paramLabel = "FILE.json",
      description = "Where to write the metrics (any Hadoop path).")
  String out;

  @Option(names = "--dim", paramLabel = "K", defaultValue = "0",
      description = "Evaluate the first K dimensions (Matryoshka). Default: all.")
  int dim;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
      description = "Texts per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--max-length", paramLabel = "T", defaultValue = "0",
      description = "Tokens kept per text ([CLS] and [SEP] included). Default: the model's.")
  int maxLength;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    ModelSpec spec = ModelSpec.parse(model);
    SparkSession session = spark.session("eval");
    Configuration conf = session.sparkContext().hadoopConfiguration();
    long start = System.nanoTime();
    Benchmark bench = Benchmark.load(session, benchmark);
    LOG.info("eval: {} queries, {} documents, {} judged queries from {}", bench.queries().size(),
        bench.corpusSize(), bench.qrels().size(), benchmark);

    Map<String, List<TopK.Hit>> hits;
    String hash;
    int usedDim = 0;
    if (spec instanceof ModelSpec.Bm25) {
      if (dim > 0) {
        throw new IllegalArgumentException("--dim does not apply to bm25");
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
      TextEmbedder embedder = Models.embedder(model, conf, threads);
      usedDim = dim > 0 ? dim : embedder.dim();
      if (usedDim > embedder.dim()) {
        throw new IllegalArgumentException("--dim " + dim + " exceeds the " + embedder.dim()
            + " dimensions of model " + model);
      }
      ItemEmbedding.resolveMaxLength(embedder, maxLength);
      List<String> ids = new ArrayList<>();
      float[][] vectors = embedQueries(embedder, bench.queries(), usedDim, ids);
      hits = DenseRetrieval.search(session, bench.corpus(), ids, vectors,
          new DenseRetrieval.Settings(model, usedDim, batchSize, maxLength, threads, K,
              new HadoopConf(conf)));
      hash = embedder.modelHash();
    }
    Map<String, Double> metrics = RetrievalMetrics.evaluate(DenseRetrieval.ids(hits),
        bench.qrels());
    double seconds = (System.nanoTime() - start) / 1e9;
    EvalReport report = new EvalReport(benchmark, spec.id(), hash, usedDim,
        bench.queries().size(), bench.corpusSize(), metrics, seconds);
    HadoopFiles.writeString(out, report.toJson(), conf);
    System.out.print(EvalReport.table(List.of(report)));
    System.out.printf("eval: %d queries, %d documents, %.1f s -> %s%n", bench.queries().size(),
        bench.corpusSize(), seconds, out);
    return 0;
  }

  private float[][] embedQueries(TextEmbedder embedder, Map<String, Item> queries, int d,
      List<String> idsOut) {
    Map<String, float[]> byId = new HashMap<>();
    Iterator<ItemEmbedding.Input> inputs = queries.values().stream()
        .map(q -> new ItemEmbedding.Input(Benchmark.QUERIES,
            (ItemParser.Result) new ItemParser.Ok(q)))
        .iterator();
    new ItemEmbedding(embedder, batchSize, d, 64 * batchSize, maxLength).run(inputs,
        new ItemEmbedding.Sink() {
          @Override
          public void embedded(ItemEmbedding.Embedded e) {
            byId.put(e.id(), e.vector());
          }

          @Override
          public void failed(ItemEmbedding.Failed f) {
            throw new IllegalArgumentException(benchmark + "/" + Benchmark.QUERIES + ": query '"
                + f.id() + "' could not be embedded: " + f.reason());
          }
        });
    float[][] out = new float[queries.size()][];
    int i = 0;
    for (String id : queries.keySet()) {
      idsOut.add(id);
      out[i++] = byId.get(id);
    }
    return out;
  }
}
