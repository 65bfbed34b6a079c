package io.omniembed.pipeline;

import io.omniembed.data.TrainingExample;
import io.omniembed.io.SourcedRecord;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Comparator;
import org.apache.hadoop.fs.Path;

/**
 * One row of training data as {@link TrainingData#scan} reads it, parsed once: the record, the
 * data file it came from ({@code source}, against which its media paths resolve), its task — or,
 * for a record that is not a valid example, why not — and {@code file}, that data file's path
 * relative to the data root.
 *
 * <p>{@link #ORDER} — by file, then by the record's hash, then by the record — is the data's
 * order: it depends only on the files' contents and their places under the root, never on how
 * Spark splits the input into partitions (the cluster's cores, {@code
 * spark.sql.files.maxPartitionBytes}) nor on the filesystem the root is on, so a run resumed on
 * another cluster, or on data that moved, draws the same examples. Identical records of one file
 * tie, and are interchangeable.
 */
public record ScannedExample(String file, String source, String record, String task,
    String problem) implements Serializable {

  /** The data's order. */
  public static final Comparator<ScannedExample> ORDER = new Order();

  /** Parses {@code r} (read from under {@code root}, a path without scheme). */
  public static ScannedExample of(SourcedRecord r, String root) {
    String file = relative(r.source(), root);
    try {
      return new ScannedExample(file, r.source(), r.record(),
          TrainingExample.parse(r.record()).task(), null);
    } catch (IllegalArgumentException e) {
      return new ScannedExample(file, r.source(), r.record(), null, e.getMessage());
    }
  }

  /** The record as the workers receive it. */
  public SourcedRecord sourced() {
    return new SourcedRecord(source, record);
  }

  /**
   * The path of {@code source} (a URI or Hadoop path; null when unknown) below {@code root}, or
   * its whole path when it is not below it. Scheme and authority never count.
   */
  static String relative(String source, String root) {
    if (source == null) {
      return "";
    }
    String path;
    try {
      path = new URI(source).getPath();
    } catch (URISyntaxException e) {
      path = null;
    }
    if (path == null) {
      path = new Path(source).toUri().getPath();
    }
    String prefix = root.endsWith("/") ? root : root + "/";
    return path.startsWith(prefix) ? path.substring(prefix.length()) : path;
  }

  /** A named class, not a lambda, so that Spark can ship it with the sort. */
  private static final class Order implements Comparator<ScannedExample>, Serializable {
    @Override
    public int compare(ScannedExample a, ScannedExample b) {
      int c = a.file.compareTo(b.file);
      if (c == 0) {
        c = Integer.compare(a.record.hashCode(), b.record.hashCode());
      }
      return c != 0 ? c : a.record.compareTo(b.record);
    }
  }
}
