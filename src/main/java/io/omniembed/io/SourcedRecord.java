package io.omniembed.io;

import java.io.Serializable;
import org.apache.spark.sql.Row;

/**
 * One record as {@link ItemSource} reads it: the data file it came from (media paths inside it
 * are relative to that file; null when unknown) and the record as a JSON object.
 */
public record SourcedRecord(String source, String record) implements Serializable {

  /** The column that holds the data file of a row of {@link ItemSource}. */
  public static final String SOURCE = "source";
  /** The column that holds the record, as JSON. */
  public static final String RECORD = "record";

  /** Reads a {@code (source, record)} row by its field names. */
  public static SourcedRecord of(Row row) {
    int s = row.fieldIndex(SOURCE);
    return new SourcedRecord(row.isNullAt(s) ? null : row.getString(s),
        row.getString(row.fieldIndex(RECORD)));
  }
}
