package io.omniembed.model;

import io.omniembed.model.layer.ParamStore;
import io.omniembed.model.layer.TokenBatch;
import io.omniembed.model.layer.Workspace;

import io.omniembed.config.ModelConfig;
import io.omniembed.model.layer.ClsPooling;
import io.omniembed.model.layer.L2Normalize;
import io.omniembed.model.layer.Linear;
import io.omniembed.model.layer.MeanPooling;
import io.omniembed.model.layer.OpProfile;
import io.omniembed.model.layer.PatchEmbeddings;
import io.omniembed.model.layer.TokenEmbeddings;
import io.omniembed.model.layer.TransformerBlock;
import java.util.ArrayList;
import java.util.List;
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
    long t0 = OpProfile.start();
    embeddings.forward(batch, media, x, ws.child("embeddings"));
    OpProfile.stop("embeddings forward (lookup, positions, layer norm)", t0);
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
    backward(List.of(new Pass(batch, dEmbedding, ws)), BackwardHook.NONE);
  }

  /**
   * One input of a joint backward: a batch, dL/d(embedding) of its rows, and the workspace of
   * its training-mode forward (each pass its own).
   */
  public record Pass(TokenBatch batch, INDArray dEmbedding, Workspace ws) {}

  /**
   * Back-propagates several passes layer by layer: the head (normalisation, projection,
   * pooling) of every pass, then block N−1 of every pass, …, block 0, then the embeddings; after
   * each layer group {@code hook} learns that the group's gradients are final
   * ({@link #gradientGroups()}, in that order). Each parameter's gradient receives the passes'
   * contributions in the order of {@code passes}, as consecutive single-pass calls would add
   * them, so the result is bit for bit that of {@code passes.size()} calls of
   * {@link #backward(TokenBatch, INDArray, Workspace)}.
   */
  public void backward(List<Pass> passes, BackwardHook hook) {
    int group = 0;
    INDArray[] dx = new INDArray[passes.size()];
    for (int p = 0; p < passes.size(); p++) {
      Pass pass = passes.get(p);
      int b = pass.batch().batch();
      long n = (long) b * pass.batch().len();
      Workspace ws = pass.ws();
      INDArray dProjected = ws.view("dProjected", b, config.outputDim());
      L2Normalize.backward(pass.dEmbedding(), dProjected, ws.child("l2"));
      INDArray dPooled = ws.view("dPooled", b, config.hidden());
      projection.backward(ws.kept("pooled"), dProjected, dPooled);
      dx[p] = ws.view("dHiddenA", n, config.hidden());
      switch (config.pooling()) {
        case MEAN -> MeanPooling.backward(dPooled, dx[p], ws.child("pool"));
        case CLS -> ClsPooling.backward(dPooled, dx[p], ws.child("pool"));
      }
    }
    hook.finished(group++);   // projection
    for (int i = blocks.length - 1; i >= 0; i--) {
      // Two gradient buffers alternate: block i reads dx (its output's gradient) while it writes
      // dPrev (its input's gradient).
      boolean even = (blocks.length - 1 - i) % 2 == 0;
      for (int p = 0; p < passes.size(); p++) {
        Pass pass = passes.get(p);
        int b = pass.batch().batch();
        int len = pass.batch().len();
        INDArray dPrev = pass.ws().view(even ? "dHiddenB" : "dHiddenA", (long) b * len,
            config.hidden());
        blocks[i].backward(dx[p], b, len, dPrev, pass.ws().child("block" + i));
        dx[p] = dPrev;
      }
      hook.finished(group++);
    }
    for (int p = 0; p < passes.size(); p++) {
      Pass pass = passes.get(p);
      long t0 = OpProfile.start();
      embeddings.backward(pass.batch(), media, dx[p], pass.ws().child("embeddings"));
      OpProfile.stop("embeddings backward (scatter-add, layer norm)", t0);
    }
    hook.finished(group++);   // embeddings
    if (media != null) {
      hook.finished(group);   // media towers: TokenEmbeddings.backward finishes them too
    }
  }

  /**
   * The layer groups of this encoder in the order {@link #backward(List, BackwardHook)} finishes
   * them: projection, blocks N−1 … 0, embeddings, media towers (if any). Each is the contiguous
   * range of its parameters in the flat buffer (layout: embeddings, blocks 0 … N−1, projection,
   * media); together they cover it exactly.
   */
  public List<GradientGroup> gradientGroups() {
    List<GradientGroup> groups = new ArrayList<>();
    groups.add(group("projection"));
    for (int i = blocks.length - 1; i >= 0; i--) {
      groups.add(group("blocks." + i));
    }
    groups.add(group("embeddings"));
    if (media != null) {
      groups.add(group("media"));
    }
    return List.copyOf(groups);
  }

  /** The range of the parameters named {@code prefix.*}, which the layout keeps contiguous. */
  private GradientGroup group(String prefix) {
    long from = Long.MAX_VALUE;
    long to = 0;
    long count = 0;
    for (ParamStore.Slot s : store.slots()) {
      if (s.name().startsWith(prefix + ".")) {
        from = Math.min(from, s.offset());
        to = Math.max(to, s.offset() + s.size());
        count += s.size();
      }
    }
    if (count == 0 || to - from != count) {
      throw new IllegalStateException("parameters " + prefix + ".* are not one range of the"
          + " layout");
    }
    return new GradientGroup(prefix, from, to);
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
