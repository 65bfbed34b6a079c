package io.omniembed.model;

/**
 * A model as loaded from a checkpoint, an import or a preset: the encoder, the tokenizer it was
 * trained with ({@code tokenizer.json}), the id it is recorded under, and the SHA-256 of its
 * parameters.
 */
public record LoadedModel(Encoder encoder, byte[] tokenizerJson, String modelId, String hash) {}
