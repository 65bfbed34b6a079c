/**
 * The encoder and what makes one: the {@link io.omniembed.model.Encoder} over the layers of {@code
 * model.layer}, items turned into token sequences ({@link io.omniembed.model.ItemSequencer}),
 * batched embedding of items ({@link io.omniembed.model.ItemEmbedding}), Matryoshka truncation,
 * the pretrained all-MiniLM-L6-v2 import, the import of Hugging Face encoder folders ({@link
 * io.omniembed.model.HfImport}: config.json, the weight readers {@link
 * io.omniembed.model.Safetensors} and {@link io.omniembed.model.OnnxInitializers}, the name
 * mapping {@link io.omniembed.model.HfWeightMapping}, the sentence-transformers modules and the
 * {@link io.omniembed.model.ModelCard} of prompts and notes) and its inverse, a text model
 * written as a sentence-transformers folder ({@link
 * io.omniembed.model.SentenceTransformersExport}, which {@code io} stores), model soups, the forms of a
 * {@code --model} argument
 * ({@link io.omniembed.model.ModelSpec}, with which option takes which), and the {@link
 * io.omniembed.model.TextEmbedder} view the jobs use (the project's encoder, or ONNX Runtime as a
 * baseline).
 *
 * <p>Uses {@code config}, {@code data} and {@code model.layer}; never storage ({@code io}), Spark
 * or Hadoop: checkpoints are read and written by {@code io}, media bytes come in through a
 * {@link io.omniembed.model.ItemEmbedding.MediaLoader}, the files of a Hugging Face folder through
 * {@link io.omniembed.model.ModelFiles}.
 */
package io.omniembed.model;
