package io.omniembed.io;

import io.omniembed.model.TextEmbedder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * An {@code embed} output directory seen as one set of vectors: its Parquet files ({@link
 * EmbeddingParquet}; {@code _}- and {@code .}-prefixed names are not data), the model, dimension
 * and normalisation their footers record — the same in every file, or the set is refused — and
 * their row count. Opening reads only the footers; the vectors themselves are read by Spark
 * ({@link #rows}).
 */
public record VectorSet(String dir, Meta meta, List<DataFile> files, long count) {

  /** What the footers say made the vectors. */
  public record Meta(String modelId, String modelHash, int dim, String normalization) {}

  /** A data file as the set saw it: its name, size and modification time (what staleness is). */
  public record DataFile(String name, long length, long modified) {}

  /** One stored vector. */
  public record Vector(String id, float[] values) {}

  public VectorSet {
    files = List.copyOf(files);
  }

  /**
   * Reads the footers of the Parquet files directly in {@code dir}. Refuses a missing directory,
   * one without Parquet files, a file without the metadata {@code embed} writes, files made by
   * different models or at different dimensions, and vectors that are not L2-normalised.
   */
  public static VectorSet open(String dir, Configuration conf) throws IOException {
    FileSystem fs = HadoopFiles.fs(dir, conf);
    Path root = new Path(dir);
    if (!fs.exists(root)) {
      throw new IllegalArgumentException("index " + dir + ": no such directory");
    }
    if (!fs.getFileStatus(root).isDirectory()) {
      throw new IllegalArgumentException("index " + dir + ": not a directory; give the --out"
          + " directory of an embed run");
    }
    List<FileStatus> parquet = new ArrayList<>();
    for (FileStatus f : fs.listStatus(root)) {
      String name = f.getPath().getName();
      if (f.isFile() && name.endsWith(".parquet") && !name.startsWith("_")
          && !name.startsWith(".")) {
        parquet.add(f);
      }
    }
    if (parquet.isEmpty()) {
      throw new IllegalArgumentException("index " + dir + ": no Parquet vector files"
          + " (part-*.parquet); give the --out directory of an embed run");
    }
    parquet.sort(Comparator.comparing(f -> f.getPath().getName()));
    Meta meta = null;
    String first = null;
    long count = 0;
    List<DataFile> files = new ArrayList<>();
    for (FileStatus f : parquet) {
      String name = f.getPath().getName();
      ParquetMetadata footer;
      try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
        footer = r.getFooter();
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException("index " + dir + ": " + name + " is not readable"
            + " Parquet (" + firstLine(e.getMessage()) + ")", e);
      }
      Meta m = meta(dir, name, footer.getFileMetaData().getKeyValueMetaData());
      if (meta == null) {
        meta = m;
        first = name;
      } else if (!meta.equals(m)) {
        throw new IllegalArgumentException("index " + dir + ": " + first + " and " + name
            + " hold different vectors (" + describe(meta) + " vs " + describe(m) + ")");
      }
      for (BlockMetaData block : footer.getBlocks()) {
        count += block.getRowCount();
      }
      files.add(new DataFile(name, f.getLen(), f.getModificationTime()));
    }
    return new VectorSet(dir, meta, files, count);
  }

  private static Meta meta(String dir, String name, Map<String, String> kv) {
    for (String key : List.of(EmbeddingParquet.MODEL_ID, EmbeddingParquet.MODEL_HASH,
        EmbeddingParquet.DIM, EmbeddingParquet.NORMALIZATION)) {
      if (kv.get(key) == null) {
        throw new IllegalArgumentException("index " + dir + ": " + name + " has no " + key
            + " metadata; it was not written by embed");
      }
    }
    String precision = kv.getOrDefault(EmbeddingParquet.PRECISION, "float32");
    if (!precision.equals(OutputPrecision.FLOAT32.key())) {
      throw new IllegalArgumentException("index " + dir + ": " + name + " holds " + precision
          + " vectors; search reads float32 ones (embed without --output-precision)");
    }
    if (!"l2".equals(kv.get(EmbeddingParquet.NORMALIZATION))) {
      throw new IllegalArgumentException("index " + dir + ": " + name + " holds vectors with "
          + EmbeddingParquet.NORMALIZATION + " " + kv.get(EmbeddingParquet.NORMALIZATION)
          + "; search scores by dot product, which needs l2-normalised vectors");
    }
    int dim;
    try {
      dim = Integer.parseInt(kv.get(EmbeddingParquet.DIM));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("index " + dir + ": " + name + " has "
          + EmbeddingParquet.DIM + " '" + kv.get(EmbeddingParquet.DIM) + "', not a number");
    }
    return new Meta(kv.get(EmbeddingParquet.MODEL_ID), kv.get(EmbeddingParquet.MODEL_HASH), dim,
        "l2");
  }

  private static String describe(Meta m) {
    return "model " + m.modelId() + ", parameters " + abbreviate(m.modelHash()) + ", dim "
        + m.dim();
  }

  /**
   * The dimension to embed queries at, once {@code embedder} is the model that made the set: the
   * same id and parameter hash as the footers record (else refused, naming both). A set of fewer
   * dimensions than the model's is a Matryoshka prefix: queries are cut to it and re-normalised.
   */
  public int queryDim(TextEmbedder embedder) {
    if (!meta.modelId().equals(embedder.modelId())
        || !meta.modelHash().equals(embedder.modelHash())) {
      throw new IllegalArgumentException("index " + dir + " was embedded by model "
          + meta.modelId() + " (parameters " + abbreviate(meta.modelHash()) + ") but --model is "
          + embedder.modelId() + " (parameters " + abbreviate(embedder.modelHash())
          + "); search with the model that embedded it");
    }
    if (meta.dim() < 1 || meta.dim() > embedder.dim()) {
      throw new IllegalArgumentException("index " + dir + " holds " + meta.dim()
          + "-dimensional vectors but model " + embedder.modelId() + " has " + embedder.dim()
          + " dimensions");
    }
    return meta.dim();
  }

  /** The full paths of the data files. */
  public List<String> paths() {
    return files.stream().map(f -> HadoopFiles.child(dir, f.name())).toList();
  }

  /** The vectors as rows {@code (id STRING, embedding ARRAY<FLOAT>)}, read by Spark. */
  public Dataset<Row> rows(SparkSession spark) {
    return spark.read().parquet(paths().toArray(new String[0])).select("id", "embedding");
  }

  /** One row of {@link #rows} as a vector. */
  public static Vector vector(Row row) {
    List<Float> values = row.getList(1);
    float[] v = new float[values.size()];
    int i = 0;
    for (Float x : values) {   // iterated, not indexed: cheap whatever Seq Spark hands back
      v[i++] = x;
    }
    return new Vector(row.getString(0), v);
  }

  /** The first 12 hex digits of a parameter hash, enough to tell two models apart in a message. */
  static String abbreviate(String hash) {
    return hash.length() <= 12 ? hash : hash.substring(0, 12) + "…";
  }

  private static String firstLine(String m) {
    return m == null ? "" : m.split("\n")[0];
  }
}
