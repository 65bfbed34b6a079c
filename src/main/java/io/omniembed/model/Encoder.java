package io.omniembed.model;

import io.omniembed.model.layer.ParamStore;
import io.omniembed.model.layer.TokenBatch;
import io.omniembed.model.layer.Workspace;

import io.omniembed.config.ModelConfig;
import io.omniembed.model.layer.ClsPooling;
import io.omniembed.model.layer.L2Normalize;
import io.omniembed.model.layer.Linear;
import io.omniembed.model.layer.MeanPooling;
import io.omniembed.model.layer.PatchEmbeddings;
import io.omniembed.model.layer.TokenEmbeddings;
import io.omniembed.model.layer.TransformerBlock;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The embedding model of the Gemini Embedding 2 recipe: tokens → bidirectional transformer →
 * masked mean pooling → linear projection → L2 normalisation.
 *
 * <pre>
 *   x₀ = LN(token|patch + position[o + t] + modality)   [B·L, H]   o: config position_offset
 *   x_i = Block_i(x_{i−1}, mask)                         [B·L, H]
 *   p = mean over real tokens of x_N                     [B, H]     pooling = mean (default)
 *     | x_N at the first token ([CLS], &lt;s&gt;)                        pooling = cls
 *   e = normalize(p·W_proj + b_proj)                     [B, D]
 * </pre>
 *
 * <p>The encoder holds only parameters (views of one {@link ParamStore}); activations live in the
 * caller's {@link Workspace}, so one loaded model serves several threads. In training mode every
 * block keeps its own activations for {@link #backward}; in inference all blocks share one set of
 * buffers and the hidden state ping-pongs between two, which bounds memory at any depth.
 */
public final class Encoder {

  private static final float MASKED = -1e9f;

  private final ModelConfig config;
  private final ParamStore store;
  private final TokenEmbeddings embeddings;
  private final TransformerBlock[] blocks;
  private final Linear projection;
  private final PatchEmbeddings media;   // null for a text-only model

  public Encoder(ModelConfig config, ParamStore store) {
    this.config = config;
    this.store = store;
    this.embeddings = new TokenEmbeddings(store, "embeddings", config.layerNormEps(),
        config.positionOffset());
    this.blocks = new TransformerBlock[config.layers()];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = new TransformerBlock(store, "blocks." + i, config.heads(),
          config.layerNormEps());
    }
    this.projection = new Linear(store, "projection");
    this.media = config.hasMedia() ? new PatchEmbeddings(store, "media") : null;
  }

  /** The parameter layout of an encoder with this config (names and shapes, in order). */
  public static ParamStore.Layout layout(ModelConfig c) {
    ParamStore.Layout layout = new ParamStore.Layout();
    TokenEmbeddings.declare(layout, "embeddings", c.vocabSize(), c.maxPositions(), c.modalities(),
        c.hidden());
    for (int i = 0; i < c.layers(); i++) {
      TransformerBlock.declare(layout, "blocks." + i, c.hidden(), c.ffn());
    }
    Linear.declare(layout, "projection", c.hidden(), c.outputDim());
    // Media towers come last, so a text model's layout is a prefix of its media model's.
    if (c.hasMedia()) {
      PatchEmbeddings.declare(layout, "media", c.media(), c.hidden());
    }
    return layout;
  }

  /**
   * A freshly initialised encoder: weights and tables ~ N(0, 0.02²) (BERT's initialiser), biases
   * 0, LayerNorm gains 1. Deterministic in {@code seed}, on any JVM.
   */
  public static Encoder randomInit(ModelConfig config, long seed) {
    return randomInit(config, seed, org.nd4j.linalg.api.buffer.DataType.FLOAT);
  }

  /** As {@link #randomInit(ModelConfig, long)}, in another precision (gradient checks). */
  public static Encoder randomInit(ModelConfig config, long seed,
      org.nd4j.linalg.api.buffer.DataType dataType) {
    ParamStore.Layout layout = layout(config);
    ParamStore store = new ParamStore(layout, dataType);
    float[] values = new float[(int) layout.total()];
    SplittableRandom random = new SplittableRandom(seed);
    for (ParamStore.Slot s : layout.slots()) {
      boolean bias = s.name().endsWith(".bias");
      boolean gain = s.name().contains(".ln") && s.name().endsWith(".weight");
      for (long i = s.offset(); i < s.offset() + s.size(); i++) {
        values[(int) i] = bias ? 0f : gain ? 1f : (float) (0.02 * gaussian(random));
      }
    }
    store.load(values);
    return new Encoder(config, store);
  }

  /**
   * This text encoder with media towers added ({@code config} = this one's with media): every
   * existing parameter is copied, the towers and time table are initialised as in
   * {@link #randomInit} from {@code seed}. The text path computes exactly what it did.
   */
  public Encoder withMedia(io.omniembed.config.MediaSpec spec, long seed) {
    if (config.hasMedia()) {
      throw new IllegalArgumentException("model " + config.name() + " already has media towers");
    }
    Encoder fresh = randomInit(config.withMedia(spec), seed, store.dataType());
    float[] values = fresh.store().toFloatArray();
    float[] text = store.toFloatArray();
    System.arraycopy(text, 0, values, 0, text.length);
    fresh.store().load(values);
    return fresh;
  }

  public ModelConfig config() {
    return config;
  }

  public ParamStore store() {
    return store;
  }

  /**
   * Embeds a batch. Returns [B, outputDim], L2-normalised, as a view into {@code ws} that stays
   * valid until the next call with the same workspace. With {@code training}, keeps every
   * activation that {@link #backward} needs.
   */
  public INDArray forward(TokenBatch batch, Workspace ws, boolean training) {
    int b = batch.batch();
    int len = batch.len();
    if (len > config.maxSequence()) {
      throw new IllegalArgumentException("sequence of " + len + " tokens exceeds the model's "
          + config.maxSequence() + " positions");
    }
    long n = (long) b * len;
    INDArray maskBias = ws.view("maskBias", b, len);
    maskBias.assign(Nd4j.createFromArray(maskRows(batch)).reshape('c', b, len)
        .castTo(maskBias.dataType()));

    INDArray x = ws.view("hidden0", n, config.hidden());
    embeddings.forward(batch, media, x, ws.child("embeddings"));
    for (int i = 0; i < blocks.length; i++) {
      String next = training ? "hidden" + (i + 1) : (i % 2 == 0 ? "hidden1" : "hidden0");
      INDArray y = ws.view(next, n, config.hidden());
      blocks[i].forward(x, maskBias, b, len, y, ws.child(training ? "block" + i : "block"));
      x = y;
    }
    INDArray pooled = ws.view("pooled", b, config.hidden());
    switch (config.pooling()) {
      case MEAN -> MeanPooling.forward(x, batch.lengths(), len, pooled, ws.child("pool"));
      case CLS -> ClsPooling.forward(x, b, len, pooled, ws.child("pool"));
    }
    INDArray projected = ws.view("projected", b, config.outputDim());
    projection.forward(pooled, projected);
    INDArray out = ws.view("embedding", b, config.outputDim());
    L2Normalize.forward(projected, out, ws.child("l2"));
    ws.keep("pooled", pooled);
    ws.keep("last", x);
    return out;
  }

  /**
   * Back-propagates dL/d(embedding) [B, outputDim] of the last training-mode {@link #forward}
   * with {@code ws}, adding every parameter's gradient into {@link ParamStore#grads()}.
   */
  public void backward(TokenBatch batch, INDArray dEmbedding, Workspace ws) {
    int b = batch.batch();
    int len = batch.len();
    long n = (long) b * len;
    INDArray dProjected = ws.view("dProjected", b, config.outputDim());
    L2Normalize.backward(dEmbedding, dProjected, ws.child("l2"));
    INDArray dPooled = ws.view("dPooled", b, config.hidden());
    projection.backward(ws.kept("pooled"), dProjected, dPooled);
    INDArray dx = ws.view("dHiddenA", n, config.hidden());
    switch (config.pooling()) {
      case MEAN -> MeanPooling.backward(dPooled, dx, ws.child("pool"));
      case CLS -> ClsPooling.backward(dPooled, dx, ws.child("pool"));
    }
    for (int i = blocks.length - 1; i >= 0; i--) {
      // Two gradient buffers alternate: block i reads dx (its output's gradient) while it writes
      // dPrev (its input's gradient).
      boolean even = (blocks.length - 1 - i) % 2 == 0;
      INDArray dPrev = ws.view(even ? "dHiddenB" : "dHiddenA", n, config.hidden());
      blocks[i].backward(dx, b, len, dPrev, ws.child("block" + i));
      dx = dPrev;
    }
    embeddings.backward(batch, media, dx, ws.child("embeddings"));
  }

  private static float[] maskRows(TokenBatch batch) {
    float[] mask = new float[batch.batch() * batch.len()];
    for (int b = 0; b < batch.batch(); b++) {
      for (int t = batch.lengths()[b]; t < batch.len(); t++) {
        mask[b * batch.len() + t] = MASKED;
      }
    }
    return mask;
  }

  private static double gaussian(SplittableRandom r) {
    // Box–Muller: SplittableRandom has no nextGaussian on JDK 17.
    double u1 = 1.0 - r.nextDouble();
    double u2 = r.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }
}
