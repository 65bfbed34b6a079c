package io.omniembed.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.ContentKey;
import io.omniembed.data.Item;
import io.omniembed.data.ItemParser;
import io.omniembed.data.Part;
import io.omniembed.data.TrainingExample;
import io.omniembed.data.media.MediaException;
import io.omniembed.eval.Benchmark;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.ItemSource;
import io.omniembed.io.JsonlWriter;
import io.omniembed.io.MediaPaths;
import io.omniembed.io.PartFiles;
import io.omniembed.io.SourcedRecord;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The first half of {@code prepare}: training pairs read and parsed (rows that cannot be read go
 * to {@code OUT/_errors/part-NNNNN.jsonl} with their reason), pairs that leak into a held-out
 * benchmark removed (their query or positive is one of its queries or documents, by content key,
 * title and text on their own included), and pairs of the same task, query and positive kept
 * once. Never collects the pairs.
 */
public final class PairPreparation {

  private static final ObjectMapper JSON = new ObjectMapper();

  private PairPreparation() {}

  /**
   * A parsed pair: content keys for deduplication and exclusion, the texts to mine with (null
   * for an item with media, see {@link #textOnly}), and the record to write, its relative media
   * paths resolved.
   */
  public record Pair(String task, long queryKey, long positiveKey, String query, String positive,
      long[] negativeKeys, String record) implements Serializable {}

  /** The key under which duplicates meet: same task, same query, same positive. */
  record PairKey(String task, long queryKey, long positiveKey) implements Serializable {
    @Override
    public int hashCode() {   // explicit: partitioning must agree across executor JVMs
      return (task.hashCode() * 31 + Long.hashCode(queryKey)) * 31 + Long.hashCode(positiveKey);
    }
  }

  /** A parsed row: a pair, or the JSON line that reports why it is not one. */
  sealed interface Parsed extends Serializable permits Parsed.Ok, Parsed.Bad {
    record Ok(Pair pair) implements Parsed {}

    record Bad(String errorLine) implements Parsed {}
  }

  /** The deduplicated pairs and the counts of each step. */
  public record Prepared(JavaRDD<Pair> pairs, long read, long bad, long excluded,
      long duplicates) {}

  /**
   * Reads {@code pairsPath}, writes its bad rows under {@code out/_errors}, removes the pairs
   * whose keys are {@code excluded} and keeps one of each duplicate.
   */
  public static Prepared run(SparkSession session, String pairsPath,
      Broadcast<HashSet<Long>> excluded, String out) throws IOException {
    HadoopConf hadoop = new HadoopConf(session.sparkContext().hadoopConfiguration());
    JavaRDD<Parsed> parsed = ItemSource.records(session, pairsPath,
            columns -> TrainingExample.checkColumns("pairs " + pairsPath, columns)).javaRDD()
        .map(r -> parse(SourcedRecord.of(r))).persist(StorageLevel.MEMORY_AND_DISK());
    String errorsDir = HadoopFiles.child(out, "_errors");
    long bad = parsed.filter(p -> p instanceof Parsed.Bad).map(p -> ((Parsed.Bad) p).errorLine())
        .mapPartitionsWithIndex((i, lines) -> List.of(writeLines(
            HadoopFiles.child(errorsDir, PartFiles.jsonl(i)), lines, hadoop)).iterator(), true)
        .reduce(Long::sum);
    JavaRDD<Pair> ok = parsed.filter(p -> p instanceof Parsed.Ok)
        .map(p -> ((Parsed.Ok) p).pair());
    long read = ok.count();
    JavaRDD<Pair> clean = ok.filter(p -> !excluded.value().contains(p.queryKey())
        && !excluded.value().contains(p.positiveKey()));
    JavaRDD<Pair> unique = clean
        .mapToPair(p -> new Tuple2<>(new PairKey(p.task(), p.queryKey(), p.positiveKey()), p))
        .reduceByKey(PairPreparation::preferred).values()
        .persist(StorageLevel.MEMORY_AND_DISK());
    long afterExclude = clean.count();
    long kept = unique.count();
    return new Prepared(unique, read, bad, read - afterExclude, afterExclude - kept);
  }

  /** Writes {@code lines} to one JSONL file (none when there are none); returns the count. */
  static long writeLines(String path, Iterator<String> lines, HadoopConf hadoop)
      throws IOException {
    try (JsonlWriter w = new JsonlWriter(path, hadoop.get())) {
      lines.forEachRemaining(w::write);
      return w.lines();
    }
  }

  /** A {@code (source, record)} row → a {@link Pair}, or the error line for _errors. */
  static Parsed parse(SourcedRecord row) {
    String source = row.source();
    String record = row.record();
    try {
      TrainingExample e = TrainingExample.parse(record);
      record = withResolvedMedia(e, record, source);
      long[] negKeys = e.negatives().stream().mapToLong(ContentKey::of).toArray();
      return new Parsed.Ok(new Pair(e.task(), ContentKey.of(e.query()),
          ContentKey.of(e.positive()), textOnly(e.query()), textOnly(e.positive()), negKeys,
          record));
    } catch (IllegalArgumentException ex) {
      ObjectNode n = JSON.createObjectNode();
      n.put("source", source).put("reason", ex.getMessage());
      if (ItemParser.unreadableReason(record) == null) {
        n.put("record", record.length() > 300 ? record.substring(0, 300) + "…" : record);
      }
      return new Parsed.Bad(n.toString());
    }
  }

  /**
   * An item's text for mining negatives, null when it has media: BM25 and the text embedding of
   * a caption stand for neither the image nor the sound, so media items are neither mined for
   * nor offered as negatives.
   */
  private static String textOnly(Item item) {
    return item.isTextOnly() ? item.joinedText() : null;
  }

  /**
   * The record with its relative media paths resolved against its file (the triplets are
   * written elsewhere); unchanged when the example is text only.
   */
  private static String withResolvedMedia(TrainingExample e, String record, String source) {
    boolean media = !e.query().isTextOnly() || !e.positive().isTextOnly()
        || e.negatives().stream().anyMatch(n -> !n.isTextOnly());
    if (!media) {
      return record;
    }
    try {
      ObjectNode node = (ObjectNode) JSON.readTree(record);
      MediaPaths.resolveRecord(node, source);
      return node.toString();
    } catch (MediaException ex) {
      throw new IllegalArgumentException(ex.getMessage(), ex);
    } catch (IOException ex) {
      throw new IllegalArgumentException("malformed JSON: " + ex.getMessage(), ex);
    }
  }

  /** Of two pairs with the same content, the one with more negatives (then the smaller record). */
  static Pair preferred(Pair a, Pair b) {
    if (a.negativeKeys().length != b.negativeKeys().length) {
      return a.negativeKeys().length > b.negativeKeys().length ? a : b;
    }
    return a.record().compareTo(b.record()) <= 0 ? a : b;
  }

  /** Content keys of every query and document of the benchmarks in {@code dirs}. */
  public static HashSet<Long> excludedKeys(SparkSession session, List<String> dirs)
      throws IOException {
    HashSet<Long> keys = new HashSet<>();
    for (String dir : dirs) {
      Benchmark b = Benchmark.load(session, dir);
      for (Item q : b.queries().values()) {
        keys.addAll(keysOf(q));
      }
      keys.addAll(b.corpus().javaRDD()
          .flatMap(r -> corpusKeys(SourcedRecord.of(r).record()).iterator())
          .distinct().collect());
    }
    return keys;
  }

  /** The keys of a benchmark document: the item, and its title and text fields on their own. */
  static List<Long> corpusKeys(String record) throws IOException {
    List<Long> keys = new ArrayList<>();
    if (ItemParser.parse(record) instanceof ItemParser.Ok okItem) {
      keys.addAll(keysOf(okItem.item()));
    }
    JsonNode n = JSON.readTree(record);
    for (String field : List.of("title", "text")) {
      if (n != null && n.path(field).isTextual() && !n.get(field).asText().isBlank()) {
        keys.add(ContentKey.of(n.get(field).asText()));
      }
    }
    return keys;
  }

  /** An item's key, and each text part's own. */
  static List<Long> keysOf(Item item) {
    List<Long> keys = new ArrayList<>();
    keys.add(ContentKey.of(item));
    for (Part p : item.parts()) {
      if (p instanceof Part.Text t) {
        keys.add(ContentKey.of(t.text()));
      }
    }
    return keys;
  }
}
