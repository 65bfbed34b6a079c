/**
 * Storage: reading items from JSONL or Parquet, writing embedding Parquet files and error
 * outputs, and moving files on any Hadoop filesystem (local, {@code file:}, {@code s3a:},
 * {@code hdfs:}).
 */
package io.omniembed.io;
