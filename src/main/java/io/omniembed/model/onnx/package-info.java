/**
 * The encoder exported as one ONNX graph, written by the project itself (no ONNX library): the
 * protobuf wire format ({@code ProtoWriter}), a graph builder ({@link
 * io.omniembed.model.onnx.OnnxGraph}), the encoder's forward pass op for op ({@link
 * io.omniembed.model.onnx.EncoderGraph}) in fp32 or with dynamically quantised int8 weights
 * ({@link io.omniembed.model.onnx.Int8Weights}), the files of an export with their
 * {@code omniembed.json} ({@link io.omniembed.model.onnx.OnnxExport}), and ONNX Runtime on an
 * exported graph behind the jobs' {@link io.omniembed.model.TextEmbedder} ({@link
 * io.omniembed.model.onnx.ExportedEmbedder}).
 *
 * <p>Uses {@code config}, {@code data}, {@code model} and {@code model.layer}; never storage
 * ({@code io}), Spark or Hadoop: the export comes back as bytes by file name, and {@code io} writes
 * them. {@code model} does not import it.
 */
package io.omniembed.model.onnx;
