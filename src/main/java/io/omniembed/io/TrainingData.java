package io.omniembed.io;

import io.omniembed.data.TrainingExample;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads training pairs/triplets (JSONL or Parquet, any Hadoop path) and groups them by task. A
 * record that is not a valid example stops the run with its file, its position and the reason:
 * training on silently skipped rows would make runs incomparable.
 */
public final class TrainingData {

  private TrainingData() {}

  public static Map<String, List<TrainingExample>> read(SparkSession spark, String path)
      throws IOException {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("no training data: give --data PATH or set data in the"
          + " config");
    }
    Map<String, List<TrainingExample>> byTask = new LinkedHashMap<>();
    Map<String, Integer> recordNumber = new LinkedHashMap<>();
    for (Row r : ItemSource.records(spark, path, columns -> {
      for (String c : List.of("task", "query", "positive")) {
        if (!columns.contains(c)) {
          throw new IllegalArgumentException("training data " + path + ": missing column '" + c
              + "' (found " + columns + ")");
        }
      }
    }).collectAsList()) {
      String source = r.getString(0);
      int n = recordNumber.merge(source, 1, Integer::sum);
      TrainingExample e;
      try {
        e = TrainingExample.parse(r.getString(1));
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException(source + " record " + n + ": " + ex.getMessage());
      }
      byTask.computeIfAbsent(e.task(), k -> new ArrayList<>()).add(e);
    }
    if (byTask.isEmpty()) {
      throw new IllegalArgumentException("training data " + path + " has no examples");
    }
    return byTask;
  }
}
