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

  private static final Set<String> CONTENT_COLUMNS =
      Set.of("text", "title", "parts", "image", "audio", "video");

  private ItemSource() {}

  public static Dataset<Row> read(SparkSession spark, String path) throws IOException {
    return records(spark, path, columns -> {
      if (!columns.contains("id") && !columns.contains("_id")) {
        throw new IllegalArgumentException("input " + path + ": Parquet rows need an 'id' column,"
            + " found columns " + columns);
      }
      if (columns.stream().noneMatch(CONTENT_COLUMNS::contains)) {
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
      Dataset<Row> df = spark.read().parquet(path);
      List<String> columns = Arrays.asList(df.columns());
      checkColumns.accept(columns);
      Column[] all = columns.stream().map(c -> col("`" + c + "`")).toArray(Column[]::new);
      return df.select(input_file_name().as("source"), to_json(struct(all)).as("record"));
    }
    return spark.read().text(path)
        .filter(trim(col("value")).notEqual(""))
        .select(input_file_name().as("source"), col("value").as("record"));
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
        Row r = rows.next();
        String record = r.getString(1);
        io.omniembed.data.ItemParser.Result parsed = io.omniembed.data.ItemParser.parse(record);
        if (parsed instanceof io.omniembed.data.ItemParser.Bad bad && bad.id() == null) {
          parsed = new io.omniembed.data.ItemParser.Bad(null, bad.reason() + " in record '"
              + excerpt(record) + "'");
        }
        return new io.omniembed.model.ItemEmbedding.Input(r.getString(0), parsed);
      }
    };
  }

  /** A one-line prefix of a record, naming a record that has no readable id. */
  public static String excerpt(String record) {
    String oneLine = record.replaceAll("\\s+", " ");
    return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 120) + "…";
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
