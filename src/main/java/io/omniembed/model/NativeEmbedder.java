package io.omniembed.model;

import io.omniembed.model.layer.Sequence;
import io.omniembed.model.layer.TokenBatch;
import io.omniembed.model.layer.Workspace;

import io.omniembed.data.text.TextTokenizer;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The project's own encoder behind {@link TextEmbedder}: one workspace per calling thread. */
public final class NativeEmbedder implements TextEmbedder {

  private final Encoder encoder;
  private final TextTokenizer tokenizer;
  private final String modelId;
  private final String hash;
  private final ModelCard card;
  private final ThreadLocal<Workspace> workspaces = ThreadLocal.withInitial(Workspace::new);

  public NativeEmbedder(Encoder encoder, TextTokenizer tokenizer, String modelId, String hash) {
    this(encoder, tokenizer, modelId, hash, ModelCard.NONE);
  }

  public NativeEmbedder(Encoder encoder, TextTokenizer tokenizer, String modelId, String hash,
      ModelCard card) {
    this.encoder = encoder;
    this.tokenizer = tokenizer;
    this.modelId = modelId;
    this.hash = hash;
    this.card = card;
  }

  @Override
  public ModelCard card() {
    return card;
  }

  public Encoder encoder() {
    return encoder;
  }

  @Override
  public String modelId() {
    return modelId;
  }

  @Override
  public String modelHash() {
    return hash;
  }

  @Override
  public int dim() {
    return encoder.config().outputDim();
  }

  @Override
  public int maxLength() {
    return encoder.config().maxLength();
  }

  @Override
  public int maxPositions() {
    return encoder.config().maxSequence();
  }

  @Override
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public io.omniembed.config.MediaSpec media() {
    return encoder.config().media();
  }

  @Override
  public float[][] embedSequences(List<Sequence> sequences) {
    return encoder.forward(TokenBatch.of(sequences), workspaces.get(), false).toFloatMatrix();
  }

  @Override
  public float[][] embed(List<int[]> sequences) {
    INDArray out = encoder.forward(TokenBatch.ofText(sequences), workspaces.get(), false);
    return out.toFloatMatrix();
  }
}
