/**
 * The encoder and everything that makes or keeps one: the flat parameter store, the layers (in
 * {@code model.layer}), presets, the pretrained all-MiniLM-L6-v2 import, the checkpoint format,
 * and the {@link io.omniembed.model.TextEmbedder} view the jobs use (the project's encoder, or
 * ONNX Runtime as a baseline).
 */
package io.omniembed.model;
