package io.omniembed.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.model.Models;
import io.omniembed.model.TextEmbedder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work of one {@code embed} task: embed one input partition and commit it as one unit,
 * {@code OUT/part-NNNNN.parquet} plus, when some rows failed, {@code OUT/_errors/part-NNNNN.jsonl}.
 *
 * <p>Both files are written under {@code OUT/_temporary/} and renamed into place when complete,
 * the Parquet file last, so a reader never sees a half-written unit and a retried task attempt
 * simply replaces the unit.
 */
public final class EmbedPartition {

  private static final Logger LOG = LoggerFactory.getLogger(EmbedPartition.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long LOG_EVERY_NANOS = 30_000_000_000L;

  /** What every task needs; serialised into the task closure. */
  public record Settings(String model, int dim, int batchSize, int window, int maxLength,
      int onnxThreads, String outDir, HadoopConf hadoopConf) implements Serializable {}

  /** Counts of one committed unit. */
  public record Summary(int partition, long embedded, long failed, long truncated, long tokens,
      double seconds) implements Serializable {}

  private EmbedPartition() {}

  public static Summary run(int partition, int attempt, Iterator<Row> rows, Settings s) {
    long start = System.nanoTime();
    Configuration conf = s.hadoopConf().get();
    try {
      HadoopFiles.fs(s.outDir(), conf);   // output without .crc side files
    } catch (IOException e) {
      throw new UncheckedIOException("embed: cannot open " + s.outDir() + ": " + e.getMessage(), e);
    }
    TextEmbedder embedder = Models.embedder(s.model(), conf, s.onnxThreads());
    int dim = s.dim() > 0 ? s.dim() : embedder.dim();
    String unit = String.format("part-%05d", partition);
    String tmpDir = HadoopFiles.child(s.outDir(), "_temporary");
    String tmpParquet = HadoopFiles.child(tmpDir, unit + "-attempt-" + attempt + ".parquet");
    String tmpErrors = HadoopFiles.child(tmpDir, unit + "-attempt-" + attempt + ".errors.jsonl");
    long[] counts = new long[4];   // embedded, failed, truncated, tokens
    try (ParquetWriter<ItemEmbedding.Embedded> writer = EmbeddingParquet.open(tmpParquet,
        EmbeddingParquet.metadata(embedder.modelId(), embedder.modelHash(), dim), conf);
        LazyErrorFile errors = new LazyErrorFile(tmpErrors, conf)) {
      Iterator<ItemEmbedding.Input> inputs = ItemSource.inputs(rows);
      long[] lastLog = {start};
      new ItemEmbedding(embedder, s.batchSize(), dim, s.window(), s.maxLength()).run(inputs,
          new ItemEmbedding.Sink() {
            @Override
            public void embedded(ItemEmbedding.Embedded e) {
              try {
                writer.write(e);
              } catch (IOException ex) {
                throw new UncheckedIOException(ex);
              }
              counts[0]++;
              counts[2] += e.truncated() ? 1 : 0;
              counts[3] += e.tokens();
              long now = System.nanoTime();
              if (now - lastLog[0] > LOG_EVERY_NANOS) {
                lastLog[0] = now;
                LOG.info("embed {}: {} items embedded, {} failed, {}/s", unit, counts[0],
                    counts[1], String.format("%.1f", counts[0] / ((now - start) / 1e9)));
              }
            }

            @Override
            public void failed(ItemEmbedding.Failed f) {
              errors.write(f);
              counts[1]++;
            }
          });
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
    LOG.info("embed {}: committed {} items ({} failed, {} truncated) in {} s", unit, counts[0],
        counts[1], counts[2], String.format("%.1f", seconds));
    return new Summary(partition, counts[0], counts[1], counts[2], counts[3], seconds);
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

  /** The error file of a unit, created on the first error only. */
  private static final class LazyErrorFile implements AutoCloseable {
    private final String path;
    private final Configuration conf;
    private OutputStream out;

    LazyErrorFile(String path, Configuration conf) {
      this.path = path;
      this.conf = conf;
    }

    void write(ItemEmbedding.Failed f) {
      ObjectNode node = JSON.createObjectNode();
      node.put("id", f.id());
      node.put("source", f.source());
      node.put("reason", f.reason());
      try {
        if (out == null) {
          out = HadoopFiles.create(path, conf);
        }
        out.write((JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() throws IOException {
      if (out != null) {
        out.close();
      }
    }
  }
}
