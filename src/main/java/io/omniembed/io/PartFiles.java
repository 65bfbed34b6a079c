package io.omniembed.io;

/**
 * The names of the files a partition writes: {@code part-NNNNN} (five digits, the Hadoop and
 * Spark convention, so listings sort in partition order) and its extension.
 */
public final class PartFiles {

  private PartFiles() {}

  /** {@code part-NNNNN} for partition {@code index}. */
  public static String stem(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("partition index must be >= 0, got " + index);
    }
    return String.format("part-%05d", index);
  }

  /** {@code part-NNNNN.jsonl}. */
  public static String jsonl(int index) {
    return stem(index) + ".jsonl";
  }

  /** {@code part-NNNNN.parquet}. */
  public static String parquet(int index) {
    return stem(index) + ".parquet";
  }
}
