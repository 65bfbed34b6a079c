/**
 * Storage, on any Hadoop filesystem (local, {@code file:}, {@code s3a:}, {@code hdfs:}): items read
 * from JSONL or Parquet as {@link io.omniembed.io.SourcedRecord}s, embedding Parquet files (the
 * vectors at an {@link io.omniembed.io.OutputPrecision}, with {@link io.omniembed.io.KeptColumns}
 * passed through), JSONL part files and their names, source archives, media bytes by path or URI
 * ({@link io.omniembed.io.MediaSource}), the checkpoint directory ({@link
 * io.omniembed.io.Checkpoint}), Hugging Face encoder folders ({@link io.omniembed.io.HfFolder},
 * the files {@code hf:PATH} names), loading a model by its {@code --model} argument ({@link
 * io.omniembed.io.Models}), an embed output as a set of vectors ({@link io.omniembed.io.VectorSet})
 * with its Lucene HNSW index ({@link io.omniembed.io.HnswIndex}), the queries of a search
 * ({@link io.omniembed.io.QueryItems}), and the exported graphs that ONNX Runtime runs, kept on
 * local disk per model ({@link io.omniembed.io.OnnxGraphCache}).
 *
 * <p>Uses {@code data}, {@code config}, {@code model} and {@code model.onnx}; never training, {@code pipeline} or
 * jobs. It may read a file through Spark (a Dataset of records) but runs no stage of its own.
 */
package io.omniembed.io;
