package io.omniembed.pipeline;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import io.omniembed.data.ItemParser;
import io.omniembed.io.ItemSource;
import io.omniembed.io.KeptColumns;
import io.omniembed.io.SourcedRecord;
import io.omniembed.ml.Embedder;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The rows an {@code embed} run works on, read from its input as {@code (source, record, id)}
 * plus, with kept columns, {@code kept}: a struct of the kept input columns with their names and
 * types. {@code record} is the item as a JSON record with its id ({@link ItemParser} reads it, as
 * for JSONL lines), {@code id} that id as a string.
 *
 * <p>With none of the table options the input is read by {@link ItemSource} (JSONL lines or
 * Parquet rows with {@code id} and item fields). With any of them ({@link Columns}) the input is
 * read as a table, Parquet or JSONL with the schema Spark infers, and the options are checked
 * against its schema before any work: each named column must exist, the id must be a string or
 * an integer (written as its decimal digits), the text a string, the item column a type
 * {@link Embedder} takes, each kept column a type {@link KeptColumns} writes and not named like
 * an output column. A JSONL line that is not JSON, or a Parquet file that cannot be read, still
 * becomes an error row, never a failed job.
 */
public final class EmbedInput {

  public static final String ID = "id";
  public static final String KEPT = "kept";
  /** Where Spark's JSON reader puts a line it cannot parse. */
  private static final String CORRUPT = "_corrupt_record";

  /**
   * Which columns of a table hold the id ({@code --id-col}), the content ({@code --text-col}: a
   * string, or {@code --item-col}: a string, item struct or array of parts; neither: the row's
   * item fields) and the values passed through to the output ({@code --keep-cols}). Empty for a
   * default.
   */
  public record Columns(String idCol, String textCol, String itemCol, List<String> keepCols)
      implements Serializable {

    public static final Columns DEFAULT = new Columns("", "", "", List.of());

    public Columns {
      idCol = idCol == null ? "" : idCol;
      textCol = textCol == null ? "" : textCol;
      itemCol = itemCol == null ? "" : itemCol;
      keepCols = keepCols == null ? List.of() : List.copyOf(keepCols);
      if (!textCol.isEmpty() && !itemCol.isEmpty()) {
        throw new IllegalArgumentException("give --text-col or --item-col, not both");
      }
      Set<String> seen = new HashSet<>();
      for (String k : keepCols) {
        if (k.isBlank()) {
          throw new IllegalArgumentException("--keep-cols has an empty column name: "
              + String.join(",", keepCols));
        }
        if (!seen.add(k)) {
          throw new IllegalArgumentException("--keep-cols names " + k + " twice");
        }
      }
    }

    /** True when the input is read as a table (any option given). */
    public boolean table() {
      return !idCol.isEmpty() || !textCol.isEmpty() || !itemCol.isEmpty() || !keepCols.isEmpty();
    }
  }

  /** The rows, and the schema of their {@code kept} struct (empty without kept columns). */
  public record Rows(Dataset<Row> rows, StructType kept) {}

  private EmbedInput() {}

  /**
   * Reads {@code path}. {@code outputColumns} are the columns the output file has of its own
   * (id, embedding, ...), which kept columns must not shadow.
   */
  public static Rows read(SparkSession spark, String path, Columns columns,
      List<String> outputColumns) throws IOException {
    if (!columns.table()) {
      Dataset<Row> rows = ItemSource.read(spark, path);
      // the id as ItemParser reads it ('id', else '_id'); only written next to the vector or error
      Column id = coalesce(get_json_object(col(SourcedRecord.RECORD), "$.id"),
          get_json_object(col(SourcedRecord.RECORD), "$._id"));
      return new Rows(rows.withColumn(ID, id), new StructType());
    }
    Dataset<Row> df;
    List<Row> unreadable = List.of();
    if (ItemSource.detect(path, spark.sparkContext().hadoopConfiguration())
        == ItemSource.Format.PARQUET) {
      ItemSource.ParquetTable t = ItemSource.parquet(spark, path);
      df = t.rows();
      unreadable = t.unreadable();
    } else {
      df = spark.read().json(path);
    }
    StructType schema = df.schema();
    boolean corrupt = Arrays.asList(schema.fieldNames()).contains(CORRUPT);
    StructType data = new StructType(Arrays.stream(schema.fields())
        .filter(f -> !f.name().equals(CORRUPT)).toArray(StructField[]::new));
    StructType kept = check(path, data, columns, outputColumns);

    Column id = idColumn(data, columns);
    Column record = to_json(struct(recordFields(data, columns, id).toArray(Column[]::new)));
    if (corrupt) {   // the raw line, so ItemParser reports it as malformed JSON
      record = when(col(CORRUPT).isNotNull(), col(CORRUPT)).otherwise(record);
    }
    List<Column> select = new ArrayList<>(List.of(input_file_name().as(SourcedRecord.SOURCE),
        record.as(SourcedRecord.RECORD), id.as(ID)));
    if (!columns.keepCols().isEmpty()) {
      select.add(struct(columns.keepCols().stream().map(EmbedInput::column)
          .toArray(Column[]::new)).as(KEPT));
    }
    Dataset<Row> rows = df.select(select.toArray(Column[]::new));
    if (!unreadable.isEmpty()) {
      Dataset<Row> files = spark.createDataFrame(unreadable, new StructType()
          .add(SourcedRecord.SOURCE, DataTypes.StringType)
          .add(SourcedRecord.RECORD, DataTypes.StringType))
          .withColumn(ID, lit(null).cast(DataTypes.StringType));
      if (!columns.keepCols().isEmpty()) {
        files = files.withColumn(KEPT, lit(null).cast(kept));
      }
      rows = rows.union(files);
    }
    return new Rows(rows, kept);
  }

  /** Checks the options against the table's schema; returns the kept columns' schema. */
  static StructType check(String path, StructType schema, Columns c, List<String> outputColumns) {
    List<String> names = Arrays.asList(schema.fieldNames());
    String found = "; the columns are " + names;
    if (!c.idCol().isEmpty()) {
      DataType t = type(path, schema, "--id-col", c.idCol(), found);
      if (!(t instanceof StringType || t instanceof LongType || t instanceof IntegerType
          || t instanceof ShortType || t instanceof ByteType)) {
        throw new IllegalArgumentException("--id-col " + c.idCol() + " has type "
            + t.simpleString() + "; an id column must be a string or an integer (tinyint,"
            + " smallint, int, bigint)");
      }
    } else if (!names.contains("id") && !names.contains("_id")) {
      throw new IllegalArgumentException("input " + path + " has no 'id' or '_id' column" + found
          + "; name the id column with --id-col");
    }
    if (!c.textCol().isEmpty()) {
      DataType t = type(path, schema, "--text-col", c.textCol(), found);
      if (!(t instanceof StringType)) {
        throw new IllegalArgumentException("--text-col " + c.textCol() + " has type "
            + t.simpleString() + "; a text column must be a string (--item-col takes an item"
            + " struct or an array of parts)");
      }
    } else if (!c.itemCol().isEmpty()) {
      String problem = Embedder.itemColumnProblem(type(path, schema, "--item-col", c.itemCol(),
          found));
      if (problem != null) {
        throw new IllegalArgumentException("--item-col " + c.itemCol() + " " + problem);
      }
    } else if (names.stream().noneMatch(ItemParser.CONTENT_FIELDS::contains)) {
      throw new IllegalArgumentException("input " + path + " has none of the item fields "
          + new java.util.TreeSet<>(ItemParser.CONTENT_FIELDS) + found
          + "; name the text column with --text-col or an item column with --item-col");
    }
    StructType kept = new StructType();
    for (String k : c.keepCols()) {
      DataType t = type(path, schema, "--keep-cols", k, found);
      if (outputColumns.contains(k)) {
        throw new IllegalArgumentException("--keep-cols " + k + ": the output has a column "
            + k + " of its own (" + String.join(", ", outputColumns) + ")");
      }
      String problem = KeptColumns.unsupported(t);
      if (problem != null) {
        throw new IllegalArgumentException("--keep-cols " + k + " " + problem);
      }
      kept = kept.add(schema.apply(k));
    }
    return kept;
  }

  private static DataType type(String path, StructType schema, String option, String name,
      String found) {
    if (!Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException(option + " " + name + ": input " + path + " has no"
          + " such column" + found);
    }
    return schema.apply(name).dataType();
  }

  /** The id as a string: the --id-col column, else 'id', else '_id' (as ItemParser reads it). */
  private static Column idColumn(StructType schema, Columns c) {
    List<String> names = Arrays.asList(schema.fieldNames());
    if (!c.idCol().isEmpty()) {
      return column(c.idCol()).cast(DataTypes.StringType);
    }
    if (names.contains("id") && names.contains("_id")) {
      return coalesce(column("id").cast(DataTypes.StringType),
          column("_id").cast(DataTypes.StringType));
    }
    return column(names.contains("id") ? "id" : "_id").cast(DataTypes.StringType);
  }

  /** The fields of the JSON record: the id, then the content fields. */
  private static List<Column> recordFields(StructType schema, Columns c, Column id) {
    List<Column> fields = new ArrayList<>(List.of(id.as("id")));
    Set<String> ids = Set.of("id", "_id", c.idCol());
    if (!c.textCol().isEmpty()) {
      fields.add(column(c.textCol()).as("text"));
    } else if (!c.itemCol().isEmpty()) {
      DataType t = schema.apply(c.itemCol()).dataType();
      if (t instanceof StructType item) {
        for (String f : item.fieldNames()) {
          if (!ids.contains(f)) {
            fields.add(column(c.itemCol()).getField(f).as(f));
          }
        }
      } else {
        fields.add(column(c.itemCol()).as(t instanceof StringType ? "text" : "parts"));
      }
    } else {
      for (String f : schema.fieldNames()) {
        if (!ids.contains(f)) {
          fields.add(column(f));
        }
      }
    }
    return fields;
  }

  private static Column column(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }
}
