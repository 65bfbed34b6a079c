package io.omniembed.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;

import io.omniembed.io.HadoopFiles;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;

/**
 * The Spark stage of {@code join-teacher}: the pairs of {@code make-parallel} joined with the
 * teacher's embeddings of their sources (an {@code embed} output over {@code make-parallel}'s
 * {@code sources/}: {@code id}, {@code embedding}), on {@code source_id = id}. Each training row
 * then carries its own {@code teacher} vector, so the training data stays self-contained and no
 * teacher runs during training. A pair without an embedding goes to {@code OUT/_errors/} with
 * the reason and its {@code source_id}; the job fails before writing anything when the
 * embeddings are not float vectors or not all of one dimension. Media pairs for the
 * locked-text tasks join in {@link LockedTextJoin}.
 */
public final class TeacherJoin {

  private TeacherJoin() {}

  /** What was joined: pairs written, pairs without an embedding, the teacher's dimension. */
  public record Result(long joined, long missing, int dim) {}

  static final List<String> PAIR_COLUMNS = List.of("task", "source", "translation", "source_id");

  public static Result run(SparkSession spark, String pairsPath, String teacherPath, String out)
      throws IOException {
    HadoopFiles.requireEmptyOutput(out, spark.sparkContext().hadoopConfiguration(), "");
    Dataset<Row> pairs = spark.read().json(pairsPath);
    for (String c : PAIR_COLUMNS) {
      if (!Arrays.asList(pairs.columns()).contains(c)) {
        throw new IllegalArgumentException("--pairs " + pairsPath + ": missing column '" + c
            + "' (found " + Arrays.toString(pairs.columns()) + "; make-parallel writes them)");
      }
    }
    Vectors vectors = vectors(spark, teacherPath);
    Dataset<Row> joined = pairs.join(vectors.rows(), pairs.col("source_id")
        .equalTo(vectors.rows().col("teacher_id")), "left").drop("teacher_id").cache();
    Dataset<Row> ok = joined.filter(col("teacher").isNotNull());
    Dataset<Row> missing = joined.filter(col("teacher").isNull()).drop("teacher")
        .withColumn("reason", concat(lit("no teacher embedding for source_id "),
            col("source_id"), lit(" in " + teacherPath)));
    ok.write().mode(SaveMode.ErrorIfExists).json(out);
    long bad = missing.count();
    if (bad > 0) {
      missing.write().json(HadoopFiles.child(out, "_errors"));
    }
    long good = ok.count();
    joined.unpersist();
    return new Result(good, bad, vectors.dim());
  }

  /** A teacher's vectors as {@code (teacher_id, teacher)} rows, all of dimension {@code dim}. */
  record Vectors(Dataset<Row> rows, int dim) {}

  /**
   * The vectors of an embed output ({@code id}, {@code embedding}), checked before any join: the
   * columns, float vectors, one dimension.
   */
  static Vectors vectors(SparkSession spark, String teacherPath) {
    Dataset<Row> teacher = spark.read().parquet(teacherPath);
    if (!Arrays.asList(teacher.columns()).containsAll(List.of("id", "embedding"))) {
      throw new IllegalArgumentException("--teacher " + teacherPath + ": expected the columns"
          + " id and embedding of an embed output, found " + Arrays.toString(teacher.columns()));
    }
    var type = teacher.schema().apply("embedding").dataType();
    if (!(type instanceof ArrayType a) || !(a.elementType().equals(DataTypes.FloatType)
        || a.elementType().equals(DataTypes.DoubleType))) {
      throw new IllegalArgumentException("--teacher " + teacherPath + ": embedding is " + type
          .simpleString() + ", not float vectors (embed with --output-precision float32)");
    }
    Dataset<Row> vectors = teacher.select(col("id").as("teacher_id"),
        col("embedding").as("teacher"));
    List<Integer> dims = vectors.select(size(col("teacher")).as("d")).distinct()
        .orderBy("d").as(org.apache.spark.sql.Encoders.INT()).collectAsList();
    if (dims.size() != 1) {
      throw new IllegalArgumentException("--teacher " + teacherPath + ": embeddings of "
          + (dims.isEmpty() ? "no dimension (no rows)" : "several dimensions " + dims));
    }
    return new Vectors(vectors, dims.get(0));
  }
}
