package io.omniembed.eval;

import io.omniembed.model.Prompts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The result of one {@code eval} run: metrics plus what produced them (the engine and the
 * number format it ran in, the prompts), as JSON and as a table; {@code byQueryPrompt} the
 * metrics with each of the model's query prompts and with none, when the run compared them
 * (empty otherwise).
 */
public record EvalReport(String benchmark, String model, String modelHash, int dim, int queries,
    long corpus, Map<String, Double> metrics, double seconds, Prompts prompts, String engine,
    String enginePrecision, Map<String, Map<String, Double>> byQueryPrompt,
    List<String> failedDocuments) {

  /** Failed documents listed in the report; the count is always complete. */
  public static final int FAILURES_LISTED = 20;

  /** A report of a run without prompts (bm25, or a model that has none). */
  public EvalReport(String benchmark, String model, String modelHash, int dim, int queries,
      long corpus, Map<String, Double> metrics, double seconds) {
    this(benchmark, model, modelHash, dim, queries, corpus, metrics, seconds, Prompts.NONE, "",
        "", Map.of(), List.of());
  }

  public String toJson() {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("benchmark", benchmark);
    root.put("model", model);
    root.put("model_hash", modelHash);
    if (dim > 0) {
      root.put("dim", dim);
    }
    root.put("queries", queries);
    root.put("corpus", corpus);
    if (!failedDocuments.isEmpty()) {
      root.put("corpus_failed", failedDocuments.size());
      var listed = root.putArray("corpus_failures");
      failedDocuments.stream().limit(FAILURES_LISTED).forEach(listed::add);
    }
    root.put("seconds", seconds);
    if (!engine.isEmpty()) {
      root.put("engine", engine);
    }
    if (!enginePrecision.isEmpty()) {
      root.put("engine_precision", enginePrecision);
    }
    root.put("query_prompt", prompts.queryName());          // null: none was used
    root.put("query_prompt_text", prompts.queryText());
    root.put("corpus_prompt", prompts.corpusName());
    root.put("corpus_prompt_text", prompts.corpusText());
    ObjectNode m = root.putObject("metrics");
    metrics.forEach(m::put);
    if (!byQueryPrompt.isEmpty()) {
      ObjectNode variants = root.putObject("metrics_by_query_prompt");
      byQueryPrompt.forEach((name, values) -> values.forEach(variants.putObject(name)::put));
    }
    try {
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fixed-width table of several reports side by side, one row per model. */
  public static String table(List<EvalReport> reports) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("%-32s", "model"));
    for (String name : RetrievalMetrics.NAMES) {
      b.append(String.format(" %10s", name));
    }
    b.append('\n');
    for (EvalReport r : reports) {
      String label = r.model() + (r.dim() > 0 ? " @" + r.dim() : "");
      if (r.byQueryPrompt().isEmpty()) {
        row(b, label, r.metrics());
      }
      r.byQueryPrompt().forEach((prompt, metrics) ->
          row(b, label + " [query prompt: " + prompt + "]", metrics));
    }
    return b.toString();
  }

  private static void row(StringBuilder b, String label, Map<String, Double> metrics) {
    b.append(String.format("%-32s", label));
    for (String name : RetrievalMetrics.NAMES) {
      b.append(String.format(" %10.4f", metrics.getOrDefault(name, Double.NaN)));
    }
    b.append('\n');
  }
}
