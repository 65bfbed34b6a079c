package io.omniembed.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.io.EmbeddingParquet;
import io.omniembed.io.HadoopFiles;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * What an {@code embed} run did, as {@code OUT/_summary.json} records it: the input, the model,
 * the output format (dimension, normalisation, precision and scale, columns), the counts (read,
 * embedded, failed, truncated, tokens), the units and the time. Also writes
 * {@code OUT/_sample.jsonl}, the rows of the job's sample.
 */
public record EmbedSummary(EmbedRun.Plan plan, EmbeddingParquet.Layout layout,
    List<String> modelNotes, long records, long embedded, long failed, long truncated, long tokens, int unitsCommittedBefore,
    long embeddedNow, double seconds) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The totals over the units' summaries; {@code before} are the units an earlier run did. */
  public static EmbedSummary of(EmbedRun.Plan plan, EmbeddingParquet.Layout layout,
      List<String> modelNotes, long records, List<EmbedPartition.Summary> units,
      java.util.Set<Integer> before, double seconds) {
    return new EmbedSummary(plan, layout, List.copyOf(modelNotes), records,
        units.stream().mapToLong(EmbedPartition.Summary::embedded).sum(),
        units.stream().mapToLong(EmbedPartition.Summary::failed).sum(),
        units.stream().mapToLong(EmbedPartition.Summary::truncated).sum(),
        units.stream().mapToLong(EmbedPartition.Summary::tokens).sum(), before.size(),
        units.stream().filter(s -> !before.contains(s.partition()))
            .mapToLong(EmbedPartition.Summary::embedded).sum(),   // this run's work
        seconds);
  }

  public double itemsPerSecond() {
    return embeddedNow / seconds;
  }

  public String toJson() {
    ObjectNode s = JSON.createObjectNode();
    s.put("input", plan.input());
    s.put("model_id", plan.modelId());
    s.put("model_hash", plan.modelHash());
    s.put("dim", plan.dim());
    s.put("normalization", "l2");
    s.put("prompt", plan.prompt());
    s.put("engine", plan.engine());
    s.put("engine_precision", plan.enginePrecision());
    if (!modelNotes.isEmpty()) {
      ArrayNode notes = s.putArray("model_notes");   // e.g. an import without Normalize
      modelNotes.forEach(notes::add);
    }
    s.put("precision", layout.precision().key());
    if (layout.precision().scale() != null) {
      s.put("scale", layout.precision().scale());
    }
    ArrayNode columns = s.putArray("columns");
    layout.columns().forEach(columns::add);
    s.put("records", records);
    s.put("embedded", embedded);
    s.put("failed", failed);
    s.put("truncated", truncated);
    s.put("max_tokens", plan.maxLength());
    s.put("tokens", tokens);
    s.put("units", plan.units());
    s.put("units_committed_before", unitsCommittedBefore);
    s.put("seconds", seconds);
    s.put("items_per_second", itemsPerSecond());
    return s.toPrettyString();
  }

  public void write(String out, Configuration conf) throws IOException {
    HadoopFiles.writeString(HadoopFiles.child(out, "_summary.json"), toJson(), conf);
  }

  /**
   * The {@code limit} sample rows of lowest key, as JSON lines (Python reads them without
   * Parquet), to {@code OUT/_sample.jsonl}.
   */
  public static void writeSample(String out, List<EmbedPartition.Summary> units, int limit,
      Configuration conf) throws IOException {
    StringBuilder lines = new StringBuilder();
    units.stream().flatMap(s -> s.sample().stream())
        .sorted(Comparator.comparingLong(EmbedPartition.SampleRow::key)
            .thenComparing(EmbedPartition.SampleRow::id))
        .limit(limit)
        .forEach(r -> lines.append(r.toJson()).append('\n'));
    HadoopFiles.writeString(HadoopFiles.child(out, "_sample.jsonl"), lines.toString(), conf);
  }
}
