package io.omniembed.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.NegativeSelection;
import io.omniembed.io.HadoopConf;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.JsonlWriter;
import io.omniembed.io.PartFiles;
import io.omniembed.pipeline.HardNegativeMining.Triplet;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;

/**
 * What {@code prepare} writes: {@code OUT/task=NAME/part-NNNNN.jsonl} (which {@code train --data
 * OUT} reads as it is; the task name URL-encoded) and {@code OUT/_summary.json}.
 */
public final class TripletFiles {

  private static final ObjectMapper JSON = new ObjectMapper();

  private TripletFiles() {}

  /** Writes every partition's triplets; returns the triplets per task. */
  public static TreeMap<String, Long> write(JavaRDD<Triplet> triplets, String out,
      HadoopConf hadoop) {
    TreeMap<String, Long> perTask = new TreeMap<>();
    triplets.mapPartitionsWithIndex((i, it) -> List.of(writePart(i, it, out, hadoop)).iterator(),
        true).collect().forEach(m -> m.forEach((k, v) -> perTask.merge(k, v, Long::sum)));
    return perTask;
  }

  /** One partition's triplets, one file per task; returns counts per task. */
  static TreeMap<String, Long> writePart(int part, Iterator<Triplet> rows, String out,
      HadoopConf hadoop) throws IOException {
    Map<String, JsonlWriter> files = new LinkedHashMap<>();
    TreeMap<String, Long> counts = new TreeMap<>();
    try {
      while (rows.hasNext()) {
        Triplet t = rows.next();
        files.computeIfAbsent(t.task(), task -> new JsonlWriter(HadoopFiles.child(
            HadoopFiles.child(out, "task=" + URLEncoder.encode(task, StandardCharsets.UTF_8)),
            PartFiles.jsonl(part)), hadoop.get())).write(t.record());
        counts.merge(t.task(), 1L, Long::sum);
      }
    } finally {
      for (JsonlWriter w : files.values()) {
        w.close();
      }
    }
    return counts;
  }

  /** {@code _summary.json}: what was read, removed and mined. */
  public static String summary(HardNegativeMining.Method method, NegativeSelection.Settings s,
      PairPreparation.Prepared p, TreeMap<String, Long> perTask, NegativeSelection.Counts c) {
    ObjectNode n = JSON.createObjectNode();
    n.put("negatives", method.name().toLowerCase(java.util.Locale.ROOT));
    n.put("rank_from", s.rankFrom()).put("rank_to", s.rankTo())
        .put("max_relative_score", s.maxRelativeScore()).put("num_negatives", s.count());
    n.put("rows_read", p.read() + p.bad()).put("bad_rows", p.bad())
        .put("removed_by_exclude", p.excluded()).put("removed_duplicates", p.duplicates());
    var t = n.putObject("triplets_per_task");
    perTask.forEach(t::put);
    long total = perTask.values().stream().mapToLong(Long::longValue).sum();
    var f = n.putObject("candidates_removed");
    f.put("outside_rank_range", c.outsideRanks()).put("same_content_as_query_or_positive",
        c.sameContent()).put("known_positive_of_the_query", c.knownPositive())
        .put("above_relative_score", c.tooClose());
    n.put("negatives_mined", c.kept());
    n.put("mined_negatives_per_triplet", total == 0 ? 0 : (double) c.kept() / total);
    n.put("triplets_short_of_negatives", c.queriesShort());
    return n.toPrettyString() + "\n";
  }
}
