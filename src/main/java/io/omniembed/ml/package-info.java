/**
 * The Spark ML API: {@link io.omniembed.ml.Embedder}, a {@code Transformer} that embeds a column of
 * a DataFrame (strings, item structs or arrays of parts) inside any Spark ML {@code Pipeline}, with
 * its typed params, defaults and schema validation, and {@link io.omniembed.ml.EmbedRows}, the
 * per-partition function it ships.
 *
 * <p>Uses {@code data}, {@code config}, {@code model}, {@code model.onnx} and {@code io}; never
 * training or the job classes. The {@code embed} job builds on it ({@link io.omniembed.pipeline.EmbedPartition}).
 */
package io.omniembed.ml;
