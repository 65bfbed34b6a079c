package io.omniembed.model;

/**
 * A model as loaded from a checkpoint, an import or a preset: the encoder, the tokenizer it was
 * trained with ({@code tokenizer.json}), the id it is recorded under, the SHA-256 of its
 * parameters, and its card (prompts, import notes; {@link ModelCard#NONE} for none).
 */
public record LoadedModel(Encoder encoder, byte[] tokenizerJson, String modelId, String hash,
    ModelCard card) {

  public LoadedModel {
    card = card == null ? ModelCard.NONE : card;
  }

  /** A model with no prompts and no notes. */
  public LoadedModel(Encoder encoder, byte[] tokenizerJson, String modelId, String hash) {
    this(encoder, tokenizerJson, modelId, hash, ModelCard.NONE);
  }

  /** The prompts the model carries: name → text put before an input. */
  public java.util.Map<String, String> prompts() {
    return card.prompts();
  }
}
