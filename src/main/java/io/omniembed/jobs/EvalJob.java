package io.omniembed.jobs;

import io.omniembed.eval.Benchmark;
import io.omniembed.eval.EvalReport;
import io.omniembed.pipeline.Evaluation;
import io.omniembed.io.HadoopFiles;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.onnx.Inference;

import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
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
            + " printed table. --model: a checkpoint directory, hf:PATH,"
            + " pretrained:all-MiniLM-L6-v2, or the baselines onnx:all-MiniLM-L6-v2 (ONNX"
            + " Runtime) and bm25 (Lucene)."})
public final class EvalJob implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(EvalJob.class);

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "Checkpoint directory, hf:PATH (a Hugging Face encoder folder),"
          + " pretrained:all-MiniLM-L6-v2, onnx:all-MiniLM-L6-v2 or bm25.")
  String model;

  @Option(names = "--benchmark", required = true, paramLabel = "DIR",
      description = "Benchmark directory in the BEIR layout; repeatable (one model, one Spark"
          + " session, the benchmarks in turn).")
  List<String> benchmarks;

  @Option(names = "--out", required = true, paramLabel = "FILE.json",
      description = "Where to write the metrics (any Hadoop path); one per --benchmark, in"
          + " their order.")
  List<String> outs;

  @Option(names = "--query-prompt", paramLabel = "NAME",
      description = "The model's prompt put before every query: a task string of a trained"
          + " checkpoint (named after its task), or an imported model's prompt. Default: its"
          + " 'query' prompt, else its default prompt, else none; 'none' for none.")
  String queryPrompt;

  @Option(names = "--corpus-prompt", paramLabel = "NAME",
      description = "The model's prompt put before every document. Default: its 'passage' or"
          + " 'document' prompt, else none; 'none' for none.")
  String corpusPrompt;

  @Mixin
  EmbeddingOptions embedding;

  @Mixin
  InferenceOptions engine;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() throws Exception {
    ModelSpec spec = ModelSpec.parse(model, ModelSpec.Use.EVAL);
    embedding.validate();
    Inference inference = engine.inference();
    if (benchmarks.size() != outs.size()) {
      throw new IllegalArgumentException("eval: give one --out per --benchmark ("
          + benchmarks.size() + " benchmarks, " + outs.size() + " outs)");
    }
    SparkSession session = spark.session("eval", engine.sparkSettings(spark));
    Configuration conf = session.sparkContext().hadoopConfiguration();
    for (int i = 0; i < benchmarks.size(); i++) {
      evaluate(session, conf, spec, inference, benchmarks.get(i), outs.get(i));
    }
    return 0;
  }

  private void evaluate(SparkSession session, Configuration conf, ModelSpec spec,
      Inference inference, String benchmark, String out) throws Exception {
    long start = System.nanoTime();
    Benchmark bench = Benchmark.load(session, benchmark);
    LOG.info("eval: {} queries, {} documents, {} judged queries from {}", bench.queries().size(),
        bench.corpusSize(), bench.qrels().size(), benchmark);

    // Without --query-prompt, a model's other query prompts (a checkpoint's task strings) and
    // no prompt are scored too, in the same pass over the corpus.
    Evaluation.Outcome outcome = Evaluation.run(session, bench, model, inference,
        embedding.dim, embedding.batchSize, embedding.maxLength, queryPrompt, corpusPrompt,
        queryPrompt == null);
    double seconds = (System.nanoTime() - start) / 1e9;
    EvalReport report = new EvalReport(benchmark, spec.id(), outcome.modelHash(), outcome.dim(),
        bench.queries().size(), bench.corpusSize(), outcome.metrics(), seconds, outcome.prompts(),
        outcome.engine(), outcome.precision(), outcome.byQueryPrompt(),
        outcome.failedDocuments());
    if (!outcome.failedDocuments().isEmpty()) {
      System.out.printf("eval: %d of %d documents could not be embedded and count as never"
          + " retrieved (listed in %s); first: %s%n", outcome.failedDocuments().size(),
          bench.corpusSize(), out, outcome.failedDocuments().get(0));
    }
    if (!outcome.engine().isEmpty() && !"lucene".equals(outcome.engine())) {
      System.out.printf("eval: %s on %s %s%n", spec.id(), outcome.engine(), outcome.precision());
    }
    if (outcome.prompts().queryName() != null || outcome.prompts().corpusName() != null) {
      System.out.printf("eval: prompts: queries %s, documents %s%n",
          describe(outcome.prompts().queryName(), outcome.prompts().queryText()),
          describe(outcome.prompts().corpusName(), outcome.prompts().corpusText()));
    }
    HadoopFiles.writeString(out, report.toJson(), conf);
    System.out.print(EvalReport.table(List.of(report)));
    System.out.printf("eval: %d queries, %d documents, %.1f s -> %s%n", bench.queries().size(),
        bench.corpusSize(), seconds, out);
  }

  private static String describe(String name, String text) {
    return name == null ? "none" : name + " ('" + text + "')";
  }
}
