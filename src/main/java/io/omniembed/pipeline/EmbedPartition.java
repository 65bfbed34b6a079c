package io.omniembed.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.io.EmbeddingParquet;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.JsonlWriter;
import io.omniembed.io.PartFiles;
import io.omniembed.io.SourcedRecord;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of one {@code embed} task: the rows of one input partition, already through
 * {@link io.omniembed.ml.Embedder} (the columns of {@link #columns}, read by name), committed as
 * one unit, {@code OUT/part-NNNNN.parquet} (the vectors at the output precision, with the kept
 * columns) plus, when some rows failed, {@code OUT/_errors/part-NNNNN.jsonl}.
 *
 * <p>Both files are written under {@code OUT/_temporary/} and renamed into place when complete,
 * the Parquet file last, so a reader never sees a half-written unit and a retried task attempt
 * simply replaces the unit.
 */
public final class EmbedPartition {

  private static final Logger LOG = LoggerFactory.getLogger(EmbedPartition.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long LOG_EVERY_NANOS = 30_000_000_000L;

  /** The Embedder's output columns a task reads. */
  public static final String EMBEDDING = "embedding";
  public static final String ERROR = "error";
  public static final String TOKENS = "tokens";
  public static final String TRUNCATED = "truncated";

  /** The columns a task reads; {@code kept} when the output carries kept columns. */
  public static List<String> columns(boolean kept) {
    List<String> c = new ArrayList<>(List.of(EmbedInput.ID, SourcedRecord.SOURCE, EMBEDDING,
        ERROR, TOKENS, TRUNCATED, SourcedRecord.RECORD));
    if (kept) {
      c.add(EmbedInput.KEPT);
    }
    return c;
  }

  /** What every task needs; serialised into the task closure. */
  public record Settings(String modelId, String modelHash, int dim, EmbeddingParquet.Layout layout,
      String outDir, double sampleRate, java.util.Set<Integer> committed, HadoopConf hadoopConf,
      String prompt, String engine, String enginePrecision) implements Serializable {}

  /** Counts of one committed unit, and its rows drawn into the job's sample. */
  public record Summary(int partition, long embedded, long failed, long truncated, long tokens,
      double seconds, List<SampleRow> sample) implements Serializable {}

  /**
   * One embedded row of the job's sample ({@code _sample.jsonl}), with the labels a map of the
   * embeddings is coloured by: the record's {@code task} field if it has one, its modalities.
   */
  public record SampleRow(long key, String id, String source, String task, String modality,
      float[] embedding) implements Serializable {

    /** The row as written to {@code _sample.jsonl}: id, source, task, modality, embedding. */
    public ObjectNode toJson() {
      ObjectNode n = JSON.createObjectNode();
      n.put("id", id);
      n.put("source", source);
      n.put("task", task);
      n.put("modality", modality);
      com.fasterxml.jackson.databind.node.ArrayNode v = n.putArray("embedding");
      for (float x : embedding) {
        v.add(x);
      }
      return n;
    }

    static SampleRow fromJson(long key, com.fasterxml.jackson.databind.JsonNode n) {
      float[] v = new float[n.path("embedding").size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) n.path("embedding").get(i).asDouble();
      }
      return new SampleRow(key, n.path("id").asText(), n.path("source").asText(),
          n.path("task").isNull() ? null : n.path("task").asText(), n.path("modality").asText(),
          v);
    }
  }

  /**
   * The sample key of an id: rows whose key is below {@code rate * 2^31} are drawn. A hash of the
   * id, so the sample is the same on every run and does not depend on the partitioning.
   */
  public static long sampleKey(String id) {
    return io.omniembed.data.Seeds.mix(id.hashCode(), id.length()) >>> 33;
  }

  private EmbedPartition() {}

  public static Summary run(int partition, int attempt, Iterator<Row> rows, Settings s) {
    long start = System.nanoTime();
    Configuration conf = s.hadoopConf().get();
    try {
      HadoopFiles.fs(s.outDir(), conf);   // output without .crc side files
    } catch (IOException e) {
      throw new UncheckedIOException("embed: cannot open " + s.outDir() + ": " + e.getMessage(), e);
    }
    if (s.committed().contains(partition)) {
      try {
        return EmbedRun.readUnit(s.outDir(), partition, conf);   // done by an earlier run
      } catch (IOException e) {
        throw new UncheckedIOException("embed: cannot read the marker of committed unit "
            + partition + ": " + e.getMessage(), e);
      }
    }
    String unit = PartFiles.stem(partition);
    String tmpDir = HadoopFiles.child(s.outDir(), "_temporary");
    String tmpParquet = HadoopFiles.child(tmpDir, unit + "-attempt-" + attempt + ".parquet");
    String tmpErrors = HadoopFiles.child(tmpDir, unit + "-attempt-" + attempt + ".errors.jsonl");
    long[] counts = new long[4];   // embedded, failed, truncated, tokens
    List<SampleRow> sample = new ArrayList<>();
    long sampleBelow = (long) (s.sampleRate() * (1L << 31));
    boolean kept = !s.layout().kept().names().isEmpty();
    try (ParquetWriter<EmbeddingParquet.VectorRow> writer = EmbeddingParquet.open(tmpParquet,
        s.layout(), EmbeddingParquet.metadata(s.modelId(), s.modelHash(), s.dim(),
            s.layout().precision(), s.prompt(), s.engine(), s.enginePrecision()), conf);
        JsonlWriter errors = new JsonlWriter(tmpErrors, conf)) {
      long lastLog = start;
      while (rows.hasNext()) {
        Row r = rows.next();
        String id = string(r, EmbedInput.ID);
        String source = string(r, SourcedRecord.SOURCE);
        int at = r.fieldIndex(EMBEDDING);
        if (r.isNullAt(at)) {
          errors.write(errorLine(id, source, string(r, ERROR)));
          counts[1]++;
          continue;
        }
        List<Float> values = r.getList(at);
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
          vector[i] = values.get(i);
        }
        int tokens = r.getInt(r.fieldIndex(TOKENS));
        boolean truncated = r.getBoolean(r.fieldIndex(TRUNCATED));
        writer.write(new EmbeddingParquet.VectorRow(id, vector,
            kept ? r.getStruct(r.fieldIndex(EmbedInput.KEPT)) : null));
        long key = sampleKey(id);
        if (key < sampleBelow) {
          sample.add(sampleRow(key, id, source, string(r, SourcedRecord.RECORD), vector));
        }
        counts[0]++;
        counts[2] += truncated ? 1 : 0;
        counts[3] += tokens;
        long now = System.nanoTime();
        if (now - lastLog > LOG_EVERY_NANOS) {
          lastLog = now;
          LOG.info("embed {}: {} items embedded, {} failed, {}/s", unit, counts[0],
              counts[1], String.format("%.1f", counts[0] / ((now - start) / 1e9)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("embed " + unit + ": cannot write " + tmpParquet + ": "
          + e.getMessage(), e);
    }
    try {
      if (counts[1] > 0) {
        commit(tmpErrors, HadoopFiles.child(HadoopFiles.child(s.outDir(), "_errors"),
            unit + ".jsonl"), conf);
      }
      commit(tmpParquet, HadoopFiles.child(s.outDir(), unit + ".parquet"), conf);
    } catch (IOException e) {
      throw new UncheckedIOException("embed " + unit + ": commit failed: " + e.getMessage(), e);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Summary summary = new Summary(partition, counts[0], counts[1], counts[2], counts[3], seconds,
        sample);
    // the marker commits the unit: a re-run skips it from now on
    String tmpMarker = HadoopFiles.child(tmpDir, unit + "-attempt-" + attempt + ".json");
    try {
      HadoopFiles.writeString(tmpMarker, EmbedRun.markerJson(summary), conf);
      commit(tmpMarker, EmbedRun.unitMarker(s.outDir(), partition), conf);
    } catch (IOException e) {
      throw new UncheckedIOException("embed " + unit + ": commit failed: " + e.getMessage(), e);
    }
    LOG.info("embed {}: committed {} items ({} failed, {} truncated) in {} s", unit, counts[0],
        counts[1], counts[2], String.format("%.1f", seconds));
    return summary;
  }

  private static SampleRow sampleRow(long key, String id, String source, String record,
      float[] vector) {
    String task = null;
    String modality = "text";
    try {
      com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(record);
      task = node.path("task").isTextual() ? node.get("task").asText() : null;
      if (io.omniembed.data.ItemParser.parse(node) instanceof io.omniembed.data.ItemParser.Ok ok) {
        modality = ok.item().parts().stream().map(p -> p.modality().key()).distinct()
            .collect(java.util.stream.Collectors.joining("+"));
      }
    } catch (IOException e) {
      // an embedded row was parsed once already; keep the defaults if it somehow is not JSON
    }
    return new SampleRow(key, id, source, task, modality, vector);
  }

  private static void commit(String from, String to, Configuration conf) throws IOException {
    Path src = new Path(from);
    Path dst = new Path(to);
    FileSystem fs = HadoopFiles.fs(to, conf);
    fs.mkdirs(dst.getParent());
    if (fs.exists(dst)) {
      fs.delete(dst, false);   // an earlier attempt of this task committed; this one replaces it
    }
    if (!fs.rename(src, dst)) {
      throw new IOException("could not rename " + from + " to " + to);
    }
  }

  private static String string(Row r, String column) {
    int at = r.fieldIndex(column);
    return r.isNullAt(at) ? null : r.getString(at);
  }

  /** A line of {@code _errors/part-NNNNN.jsonl}: id, source file, reason. */
  static String errorLine(String id, String source, String reason) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", id);
    node.put("source", source);
    node.put("reason", reason);
    return node.toString();
  }
}
