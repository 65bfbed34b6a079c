/**
 * Storage: reading items from JSONL or Parquet, writing embedding Parquet files (the vectors at an
 * {@link io.omniembed.io.OutputPrecision}, with {@link io.omniembed.io.KeptColumns} passed
 * through) and error outputs, and moving files on any Hadoop filesystem (local, {@code file:},
 * {@code s3a:}, {@code hdfs:}).
 */
package io.omniembed.io;
