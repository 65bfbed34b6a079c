package io.omniembed.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.ItemParser;
import io.omniembed.data.TrainingExample;
import io.omniembed.data.media.MediaException;
import io.omniembed.data.parallel.ParallelPair;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.ItemSource;
import io.omniembed.io.MediaPaths;
import io.omniembed.io.PartFiles;
import io.omniembed.io.SourcedRecord;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The data of the locked-text phase ({@code lit-*} tasks): media pairs (text ↔ image, audio or
 * video, as {@code make-multimodal} and {@code prepare} write them) with the frozen text
 * teacher's embedding of each pair's text side, in two Spark stages around the teacher's
 * {@code embed}:
 * <ol>
 *   <li>{@link #texts} ({@code lit-texts}): the distinct text sides (captions, transcripts) as
 *       items {@code {"id", "text"}}, the input of {@code embed --model TEACHER};</li>
 *   <li>{@link #join} ({@code join-teacher --lit}): every pair with its text's vector as
 *       {@code teacher}, its task renamed {@code lit-TASK} and its media paths resolved against
 *       its data file, ready for {@code train}.</li>
 * </ol>
 * A text's id is {@link ParallelPair#sourceId} of the text, the key of make-parallel's sources,
 * so one teacher embed of both kinds of texts serves both joins. Rows that are not media pairs
 * (both sides text, both media, hard negatives given) and pairs whose text has no vector go to
 * {@code OUT/_errors/} with their reason; a teacher output that is not float vectors of one
 * dimension fails the join before anything is written ({@link TeacherJoin#vectors}).
 */
public final class LockedTextJoin {

  private static final ObjectMapper JSON = new ObjectMapper();

  private LockedTextJoin() {}

  /** What {@link #texts} wrote: distinct texts, the pairs they came from, rows refused. */
  public record TextsResult(long texts, long pairs, long bad) {}

  /** What {@link #join} wrote: pairs joined, pairs without a vector, rows refused, dimension. */
  public record JoinResult(long joined, long missing, long bad, int dim) {}

  /** A media pair read for the join: its text's id and text, and the record to write. */
  record Keyed(String textId, String text, String source, String record) implements Serializable {}

  /** A row read: a media pair, or the JSON line that says why it is not one. */
  sealed interface Parsed extends Serializable permits Parsed.Ok, Parsed.Bad {
    record Ok(Keyed pair) implements Parsed {}

    record Bad(String errorLine) implements Parsed {}
  }

  /** Writes the distinct text sides of the media pairs under {@code pairsPath} to {@code out}. */
  public static TextsResult texts(SparkSession spark, String pairsPath, String out)
      throws IOException {
    HadoopFiles.requireEmptyOutput(out, spark.sparkContext().hadoopConfiguration(), "");
    HadoopConf hadoop = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    JavaRDD<Parsed> parsed = read(spark, pairsPath);
    long bad = writeErrors(parsed, out, hadoop);
    JavaRDD<Keyed> ok = parsed.filter(p -> p instanceof Parsed.Ok)
        .map(p -> ((Parsed.Ok) p).pair());
    long pairs = ok.count();
    long texts = ok.mapToPair(k -> new Tuple2<>(k.textId(), k.text())).reduceByKey((a, b) -> a)
        .map(t -> textItem(t._1(), t._2())).sortBy(line -> line, true, 1)
        .mapPartitionsWithIndex((i, lines) -> List.of(PairPreparation.writeLines(
            HadoopFiles.child(out, PartFiles.jsonl(i)), lines, hadoop)).iterator(), true)
        .reduce(Long::sum);
    parsed.unpersist();
    return new TextsResult(texts, pairs, bad);
  }

  /**
   * Joins the media pairs under {@code pairsPath} with the teacher's vectors of their texts
   * ({@code teacherPath}, an embed output over {@link #texts}' items) into {@code out}.
   */
  public static JoinResult join(SparkSession spark, String pairsPath, String teacherPath,
      String out) throws IOException {
    HadoopFiles.requireEmptyOutput(out, spark.sparkContext().hadoopConfiguration(), "");
    HadoopConf hadoop = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    TeacherJoin.Vectors vectors = TeacherJoin.vectors(spark, teacherPath);
    JavaRDD<Parsed> parsed = read(spark, pairsPath);
    JavaPairRDD<String, Keyed> pairs = parsed.filter(p -> p instanceof Parsed.Ok)
        .mapToPair(p -> new Tuple2<>(((Parsed.Ok) p).pair().textId(), ((Parsed.Ok) p).pair()));
    JavaPairRDD<String, float[]> teacher = vectors.rows().javaRDD()
        .mapToPair(r -> new Tuple2<>(r.getString(0), floats(r)));
    // Each pair once, with its text's vector or none: [record line or error line].
    JavaRDD<Parsed> joined = pairs.leftOuterJoin(teacher)
        .map(t -> joined(t._2()._1(), t._2()._2(), teacherPath))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long good = joined.filter(p -> p instanceof Parsed.Ok).map(p -> ((Parsed.Ok) p).pair()
            .record())
        .mapPartitionsWithIndex((i, lines) -> List.of(PairPreparation.writeLines(
            HadoopFiles.child(out, PartFiles.jsonl(i)), lines, hadoop)).iterator(), true)
        .reduce(Long::sum);
    long missing = joined.filter(p -> p instanceof Parsed.Bad).count();
    long bad = writeErrors(parsed.union(joined), out, hadoop) - missing;
    joined.unpersist();
    parsed.unpersist();
    return new JoinResult(good, missing, bad, vectors.dim());
  }

  private static JavaRDD<Parsed> read(SparkSession spark, String pairsPath) throws IOException {
    return ItemSource.records(spark, pairsPath,
            columns -> TrainingExample.checkColumns("--pairs " + pairsPath, columns)).javaRDD()
        .map(r -> parse(SourcedRecord.of(r))).persist(StorageLevel.MEMORY_AND_DISK());
  }

  /** Writes the error lines among {@code rows} to {@code out/_errors}; returns their count. */
  private static long writeErrors(JavaRDD<Parsed> rows, String out, HadoopConf hadoop) {
    String errors = HadoopFiles.child(out, "_errors");
    return rows.filter(p -> p instanceof Parsed.Bad).map(p -> ((Parsed.Bad) p).errorLine())
        .mapPartitionsWithIndex((i, lines) -> List.of(PairPreparation.writeLines(
            HadoopFiles.child(errors, PartFiles.jsonl(i)), lines, hadoop)).iterator(), true)
        .reduce(Long::sum);
  }

  /**
   * A {@code (source, record)} row → a media pair keyed by its text's id, its media paths
   * resolved against {@code source} and its task renamed {@code lit-TASK}; or the error line.
   */
  static Parsed parse(SourcedRecord row) {
    try {
      TrainingExample e = TrainingExample.parse(row.record());
      if (TrainingExample.isDistillation(e.task())) {
        throw new IllegalArgumentException("task '" + e.task() + "' is a distillation task;"
            + " join-teacher without --lit joins those");
      }
      String text = e.text();
      if (!e.negatives().isEmpty()) {
        throw new IllegalArgumentException("the pair has " + e.negatives().size() + " hard"
            + " negatives; a locked-text pair takes none (prepare --negatives none)");
      }
      ObjectNode node = (ObjectNode) JSON.readTree(row.record());
      MediaPaths.resolveRecord(node, row.source());
      node.remove("teacher");
      node.remove("negatives");
      if (!TrainingExample.isLockedText(e.task())) {
        node.put("task", TrainingExample.LOCKED_TEXT_PREFIX + e.task());
      }
      return new Parsed.Ok(new Keyed(textId(text), text, row.source(), node.toString()));
    } catch (IllegalArgumentException | MediaException | IOException ex) {
      return bad(row.source(), row.record(), ex.getMessage(), null);
    }
  }

  /** The pair with its vector ({@code teacher} added), or the error line when it has none. */
  static Parsed joined(Keyed pair, Optional<float[]> vector, String teacherPath)
      throws IOException {
    if (!vector.isPresent()) {
      return bad(pair.source(), pair.record(), "no teacher embedding for text_id "
          + pair.textId() + " (\"" + pair.text() + "\") in " + teacherPath, pair.textId());
    }
    ObjectNode node = (ObjectNode) JSON.readTree(pair.record());
    ArrayNode t = node.putArray("teacher");
    for (float v : vector.get()) {
      t.add(v);
    }
    return new Parsed.Ok(new Keyed(pair.textId(), pair.text(), pair.source(), node.toString()));
  }

  /** The id under which the teacher's embed output holds {@code text}'s vector. */
  public static String textId(String text) {
    return ParallelPair.sourceId(text);
  }

  static String textItem(String id, String text) {
    return JSON.createObjectNode().put("id", id).put("text", text).toString();
  }

  private static Parsed bad(String source, String record, String reason, String textId) {
    ObjectNode n = JSON.createObjectNode();
    n.put("source", source).put("reason", reason);
    if (textId != null) {
      n.put("text_id", textId);
    }
    if (ItemParser.unreadableReason(record) == null) {
      n.put("record", record.length() > 300 ? record.substring(0, 300) + "…" : record);
    }
    return new Parsed.Bad(n.toString());
  }

  private static float[] floats(Row r) {
    List<Object> values = r.getList(1);
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).floatValue();
    }
    return out;
  }
}
