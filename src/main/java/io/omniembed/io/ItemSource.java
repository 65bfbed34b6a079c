package io.omniembed.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.trim;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads items from JSONL or Parquet (a file, a directory of them, or a glob) on any Hadoop
 * filesystem into rows of {@code (source STRING, record STRING)}: the file and the record as a
 * JSON object. Parquet rows are rendered to JSON so both formats go through the one
 * {@link io.omniembed.data.ItemParser}; a JSONL line that is not JSON stays as it is and becomes
 * an error row there, never a failed job.
 */
public final class ItemSource {

  public enum Format { JSONL, PARQUET }


  private ItemSource() {}

  public static Dataset<Row> read(SparkSession spark, String path) throws IOException {
    return records(spark, path, columns -> {
      if (!columns.contains("id") && !columns.contains("_id")) {
        throw new IllegalArgumentException("input " + path + ": Parquet rows need an 'id' column,"
            + " found columns " + columns);
      }
      if (columns.stream().noneMatch(io.omniembed.data.ItemParser.CONTENT_FIELDS::contains)) {
        throw new IllegalArgumentException("input " + path + ": Parquet rows need a 'text' or"
            + " 'parts' column (or image/audio/video), found columns " + columns);
      }
    });
  }

  /**
   * Rows {@code (source, record)} of any JSONL or Parquet records; {@code checkColumns} validates
   * a Parquet schema's column names before any work.
   */
  public static Dataset<Row> records(SparkSession spark, String path,
      java.util.function.Consumer<List<String>> checkColumns) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Format format = detect(path, conf);
    if (format == Format.PARQUET) {
      ParquetTable table = parquet(spark, path);
      List<String> columns = Arrays.asList(table.rows().columns());
      checkColumns.accept(columns);
      Column[] all = columns.stream().map(c -> col("`" + c + "`")).toArray(Column[]::new);
      Dataset<Row> rows = table.rows().select(input_file_name().as(SourcedRecord.SOURCE),
          to_json(struct(all)).as(SourcedRecord.RECORD));
      if (table.unreadable().isEmpty()) {
        return rows;
      }
      return rows.union(spark.createDataFrame(table.unreadable(), rows.schema()));
    }
    return spark.read().text(path)
        .filter(trim(col("value")).notEqual(""))
        .select(input_file_name().as(SourcedRecord.SOURCE), col("value").as(SourcedRecord.RECORD));
  }

  /**
   * A Parquet input: its readable files as one DataFrame, and a {@code (source, record)} row for
   * each file whose footer cannot be read, standing for the file so it is reported like a bad row
   * (the record is {@link io.omniembed.data.ItemParser#UNREADABLE_FILE} and the reason).
   */
  public record ParquetTable(Dataset<Row> rows, List<Row> unreadable) {}

  /** Reads a Parquet input, setting unreadable files aside; fails when none is readable. */
  public static ParquetTable parquet(SparkSession spark, String path) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<Row> unreadable = unreadableParquet(spark, path, conf);
    if (unreadable.isEmpty()) {
      return new ParquetTable(spark.read().parquet(path), unreadable);
    }
    java.util.Set<String> bad = new java.util.HashSet<>();
    unreadable.forEach(r -> bad.add(r.getString(0)));
    String[] good = parquetFiles(path, conf).stream().filter(f -> !bad.contains(f))
        .toArray(String[]::new);
    if (good.length == 0) {
      throw new IllegalArgumentException("input " + path + ": no readable Parquet file; "
          + unreadable.get(0).getString(0) + ": " + io.omniembed.data.ItemParser
          .unreadableReason(unreadable.get(0).getString(1)));
    }
    return new ParquetTable(spark.read().parquet(good), unreadable);
  }

  /**
   * The data files of a Parquet input, and for each one whose footer cannot be read (truncated,
   * not Parquet at all) a {@code (source, record)} row that stands for it, so the file is
   * reported like a bad row. Footers are read by a Spark job, in parallel, never by the driver.
   */
  private static List<Row> unreadableParquet(SparkSession spark, String path,
      Configuration conf) throws IOException {
    List<String> files = parquetFiles(path, conf);
    if (files.isEmpty()) {
      return List.of();
    }
    io.omniembed.io.HadoopConf hc = new io.omniembed.io.HadoopConf(conf);
    int slices = Math.max(1, Math.min(files.size(), 4 * spark.sparkContext().defaultParallelism()));
    return new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
        .parallelize(files, slices)
        .map(f -> footerProblem(f, hc.get()))
        .filter(java.util.Objects::nonNull)
        .collect();
  }

  private static Row footerProblem(String file, Configuration conf) {
    try (org.apache.parquet.hadoop.ParquetFileReader r =
             org.apache.parquet.hadoop.ParquetFileReader.open(
                 org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new Path(file), conf))) {
      r.getFooter();
      return null;
    } catch (IOException | RuntimeException e) {
      String reason = "unreadable Parquet file (" + e.getClass().getSimpleName() + ": "
          + String.valueOf(e.getMessage()).split("\n")[0] + ")";
      return org.apache.spark.sql.RowFactory.create(file,
          io.omniembed.data.ItemParser.UNREADABLE_FILE + reason);
    }
  }

  /** The Parquet data files under a path, a directory (recursively) or a glob. */
  static List<String> parquetFiles(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    FileStatus[] matches = fs.globStatus(p);
    List<String> out = new java.util.ArrayList<>();
    if (matches == null) {
      return out;
    }
    for (FileStatus m : matches) {
      if (m.isFile()) {
        out.add(m.getPath().toString());
        continue;
      }
      org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> it =
          fs.listFiles(m.getPath(), true);
      while (it.hasNext()) {
        Path f = it.next().getPath();
        String rel = f.toString().substring(m.getPath().toString().length());
        if (f.getName().endsWith(".parquet") && !rel.contains("/_") && !rel.contains("/.")) {
          out.add(f.toString());
        }
      }
    }
    return out;
  }

  /**
   * Parses {@code (source, record)} rows lazily into embedding inputs. A record without a
   * readable id is named by an excerpt, so its error row still says which record it was.
   */
  public static java.util.Iterator<io.omniembed.model.ItemEmbedding.Input> inputs(
      java.util.Iterator<Row> rows) {
    return new java.util.Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public io.omniembed.model.ItemEmbedding.Input next() {
        SourcedRecord r = SourcedRecord.of(rows.next());
        return new io.omniembed.model.ItemEmbedding.Input(r.source(),
            io.omniembed.data.ItemParser.parseRecord(r.record()));
      }
    };
  }

  /**
   * Decides the format from the file name, or from the first data file of a directory (looking
   * into partition subdirectories such as {@code task=NAME/}).
   */
  public static Format detect(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    FileStatus[] matches = fs.globStatus(p);
    if (matches == null || matches.length == 0) {
      throw new FileNotFoundException("input " + path + ": no such file or directory");
    }
    for (FileStatus m : matches) {
      Format f = m.isDirectory() ? firstFormat(fs, m.getPath()) : format(m.getPath());
      if (f != null) {
        return f;
      }
    }
    throw new IllegalArgumentException("input " + path + ": contains no data files");
  }

  private static Format firstFormat(FileSystem fs, Path dir) throws IOException {
    for (FileStatus f : fs.listStatus(dir)) {
      String name = f.getPath().getName();
      if (name.startsWith("_") || name.startsWith(".")) {
        continue;
      }
      Format found = f.isDirectory() ? firstFormat(fs, f.getPath()) : format(f.getPath());
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  private static Format format(Path file) {
    String name = file.getName().toLowerCase(Locale.ROOT);
    if (name.startsWith("_") || name.startsWith(".")) {
      return null;
    }
    if (name.endsWith(".parquet")) {
      return Format.PARQUET;
    }
    if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".jsonl.gz")
        || name.endsWith(".json.gz")) {
      return Format.JSONL;
    }
    throw new IllegalArgumentException("input " + file + ": unknown format (expected"
        + " .jsonl, .json or .parquet)");
  }
}
