package io.omniembed.eval;

import io.omniembed.data.Item;
import io.omniembed.data.ItemParser;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.ItemSource;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A retrieval benchmark in the BEIR/MTEB layout: {@code corpus.jsonl} ({@code _id}, {@code title},
 * {@code text}), {@code queries.jsonl} ({@code _id}, {@code text}) and {@code qrels/test.tsv}
 * ({@code query-id, corpus-id, score} with a header line), on any Hadoop path.
 *
 * <p>Queries and qrels are small and read on the driver; the corpus stays a Spark dataset. Loading
 * validates everything before any embedding starts: every qrels line names a known query and a
 * known document, and the corpus is non-empty and parses; errors name the file and line.
 */
public record Benchmark(String dir, Map<String, Item> queries,
    Map<String, Map<String, Integer>> qrels, Dataset<Row> corpus, long corpusSize) {

  public static final String CORPUS = "corpus.jsonl";
  public static final String QUERIES = "queries.jsonl";
  public static final String QRELS = "qrels/test.tsv";

  /** A per-document outcome of the corpus check. */
  public record Check(String kind, String value) implements Serializable {}

  public static Benchmark load(SparkSession spark, String dir) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    if (!HadoopFiles.exists(dir, conf)) {
      throw new IllegalArgumentException("benchmark " + dir + ": no such directory");
    }
    for (String f : List.of(CORPUS, QUERIES, QRELS)) {
      if (!HadoopFiles.exists(HadoopFiles.child(dir, f), conf)) {
        throw new IllegalArgumentException("benchmark " + dir + ": missing " + f + " (BEIR layout:"
            + " corpus.jsonl, queries.jsonl, qrels/test.tsv)");
      }
    }
    Map<String, Item> queries = parseQueries(
        HadoopFiles.readString(HadoopFiles.child(dir, QUERIES), conf), dir + "/" + QUERIES);
    Map<String, Integer> firstLine = new HashMap<>();
    Map<String, Map<String, Integer>> qrels = parseQrels(
        HadoopFiles.readString(HadoopFiles.child(dir, QRELS), conf), dir + "/" + QRELS,
        queries.keySet(), firstLine);

    Dataset<Row> corpus = ItemSource.read(spark, HadoopFiles.child(dir, CORPUS));
    Set<String> judgedDocs = new HashSet<>();
    qrels.values().forEach(m -> judgedDocs.addAll(m.keySet()));
    Broadcast<Set<String>> wanted = spark.sparkContext().broadcast(judgedDocs,
        scala.reflect.ClassTag$.MODULE$.apply(Set.class));
    List<Check> checks = corpus.mapPartitions(
        (MapPartitionsFunction<Row, Check>) rows -> checkCorpus(rows, wanted.value()),
        Encoders.javaSerialization(Check.class)).collectAsList();
    long size = 0;
    Set<String> found = new HashSet<>();
    for (Check c : checks) {
      switch (c.kind()) {
        case "bad" -> throw new IllegalArgumentException(dir + "/" + CORPUS + ": " + c.value());
        case "count" -> size += Long.parseLong(c.value());
        default -> found.add(c.value());
      }
    }
    if (size == 0) {
      throw new IllegalArgumentException("benchmark " + dir + ": " + CORPUS + " has no documents");
    }
    for (String doc : judgedDocs) {
      if (!found.contains(doc)) {
        throw new IllegalArgumentException(dir + "/" + QRELS + " line " + firstLine.get(doc)
            + ": corpus id '" + doc + "' is not in " + CORPUS);
      }
    }
    return new Benchmark(dir, queries, qrels, corpus, size);
  }

  /** Per partition: the first bad record (if any), the judged ids present, and a count. */
  static Iterator<Check> checkCorpus(Iterator<Row> rows, Set<String> judged) {
    List<Check> out = new ArrayList<>();
    long n = 0;
    while (rows.hasNext()) {
      String record = rows.next().getString(1);
      n++;
      ItemParser.Result r = ItemParser.parse(record);
      if (r instanceof ItemParser.Bad bad) {
        String where = bad.id() != null ? "document '" + bad.id() + "'" : "record '"
            + (record.length() > 80 ? record.substring(0, 80) + "…" : record) + "'";
        return Collections.singletonList(new Check("bad", where + ": " + bad.reason()))
            .iterator();
      }
      String id = ((ItemParser.Ok) r).item().id();
      if (judged.contains(id)) {
        out.add(new Check("id", id));
      }
    }
    out.add(new Check("count", Long.toString(n)));
    return out.iterator();
  }

  static Map<String, Item> parseQueries(String text, String file) {
    Map<String, Item> queries = new LinkedHashMap<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      ItemParser.Result r = ItemParser.parse(lines[i]);
      if (r instanceof ItemParser.Bad bad) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + bad.reason());
      }
      Item item = ((ItemParser.Ok) r).item();
      if (queries.put(item.id(), item) != null) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": duplicate query id '"
            + item.id() + "'");
      }
    }
    if (queries.isEmpty()) {
      throw new IllegalArgumentException(file + ": no queries");
    }
    return queries;
  }

  static Map<String, Map<String, Integer>> parseQrels(String text, String file,
      Set<String> queryIds, Map<String, Integer> firstLineOfDoc) {
    Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
    String[] lines = text.split("\n", -1);
    boolean first = true;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      boolean header = first;
      first = false;
      String[] cols = line.split("\t");
      if (cols.length != 3) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected 3 tab-separated"
            + " columns (query-id, corpus-id, score), found " + cols.length);
      }
      int score;
      try {
        score = Integer.parseInt(cols[2].strip());
      } catch (NumberFormatException e) {
        if (header) {
          continue;   // the header line: query-id, corpus-id, score
        }
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": score '" + cols[2]
            + "' is not an integer");
      }
      String q = cols[0].strip();
      String d = cols[1].strip();
      if (!queryIds.contains(q)) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": query id '" + q
            + "' is not in " + QUERIES);
      }
      qrels.computeIfAbsent(q, k -> new LinkedHashMap<>()).put(d, score);
      firstLineOfDoc.putIfAbsent(d, i + 1);
    }
    if (qrels.isEmpty()) {
      throw new IllegalArgumentException(file + ": no relevance judgements");
    }
    return qrels;
  }
}
