package io.omniembed.train;

import io.omniembed.config.TrainConfig;
import io.omniembed.model.layer.Elementwise;
import io.omniembed.model.layer.ParamStore;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW (Loshchilov and Hutter, 2019, "Decoupled Weight Decay Regularization") over the flat
 * parameter buffer in a few BLAS-1 ops, each parameter at its group's learning-rate scale s and
 * with or without decay ({@link ParamGroups}: no decay for biases and LayerNorm parameters, the
 * media towers at {@code media_lr_scale}, frozen parameters at 0):
 * <pre>
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
 *   θ ← θ − s·lr·λ·θ·[decayed] − s·lr · (m/(1−β₁ᵗ)) / (sqrt(v/(1−β₂ᵗ)) + ε)
 * </pre>
 * Its state (m, v, t) is saved in checkpoints so that a resumed run continues exactly.
 */
public final class AdamW {

  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final ParamGroups groups;
  private final INDArray m;
  private final INDArray v;
  private final INDArray tmp;
  private long t;

  public AdamW(ParamStore store, double beta1, double beta2, double eps, double weightDecay,
      ParamGroups groups) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.groups = groups;
    this.m = Nd4j.create(store.dataType(), store.size());
    this.v = Nd4j.create(store.dataType(), store.size());
    this.tmp = Nd4j.create(store.dataType(), store.size());
  }

  /** The optimizer of a training run: its settings and parameter groups from {@code cfg}. */
  public static AdamW of(ParamStore store, TrainConfig cfg) {
    return new AdamW(store, cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.weightDecay(),
        ParamGroups.of(store, cfg.decayEmbeddings(), cfg.mediaLrScale(), cfg.frozen()));
  }

  /** The parameter groups this optimizer updates by. */
  public ParamGroups groups() {
    return groups;
  }

  /**
   * Applies one update with learning rate {@code lr} from the gradients in {@code store}. Frozen
   * parameters (scale 0, {@link ParamGroups#spans}) are skipped: neither moved nor decayed, their
   * moments left as they are, which spares the passes over them (in a locked-text phase the
   * WordPiece table, half of MiniLM's parameters).
   */
  public void step(ParamStore store, double lr) {
    if (Elementwise.supports(store.params(), store.grads(), m, v)) {
      fusedStep(store, lr);
    } else {
      referenceStep(store, lr);
    }
  }

  /**
   * The update in one pass over each trained run of parameters (read g, m, v, θ; write m, v, θ),
   * in float32 on the CPU backend: the chain of BLAS-1 ops of {@link #referenceStep} makes ten
   * passes over the 22.7 M parameters of MiniLM and took six times PyTorch's fused AdamW.
   */
  void fusedStep(ParamStore store, double lr) {
    t++;
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2 = 1 - Math.pow(beta2, t);
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float invBc2 = (float) (1 / bc2);
    float epsilon = (float) eps;
    for (ParamGroups.Run run : groups.runs()) {
      if (run.scale() == 0.0) {
        continue;   // frozen
      }
      float stepSize = (float) (run.scale() * lr / bc1);
      float keep = (float) (run.decay() && weightDecay > 0 ? 1 - run.scale() * lr * weightDecay
          : 1);
      ParamGroups.Span span = new ParamGroups.Span(run.from(), run.to());
      INDArray p = slice(store.params(), span);
      INDArray ms = slice(m, span);
      INDArray vs = slice(v, span);
      Elementwise.map(new INDArray[] {slice(store.grads(), span), ms, vs, p},
          new INDArray[] {ms, vs, p},
          (in, out, len) -> update(in, out, len, b1, b2, invBc2, epsilon, stepSize, keep));
    }
  }

  /** in = g, m, v, θ; out = m, v, θ: one AdamW update of {@code len} parameters. */
  private static void update(float[][] in, float[][] out, int len, float b1, float b2,
      float invBc2, float eps, float stepSize, float keep) {
    float[] g = in[0];
    float[] m = in[1];
    float[] v = in[2];
    float[] p = in[3];
    float[] mOut = out[0];
    float[] vOut = out[1];
    float[] pOut = out[2];
    float c1 = 1 - b1;
    float c2 = 1 - b2;
    for (int i = 0; i < len; i++) {
      float gi = g[i];
      float mi = b1 * m[i] + c1 * gi;
      float vi = b2 * v[i] + c2 * gi * gi;
      mOut[i] = mi;
      vOut[i] = vi;
      pOut[i] = p[i] * keep - stepSize * mi / ((float) Math.sqrt(vi * invBc2) + eps);
    }
  }

  /**
   * The same update as a chain of ND4J ops: the path for doubles (gradient checks) and device
   * backends, and the baseline of the fused path's parity test.
   */
  void referenceStep(ParamStore store, double lr) {
    t++;
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2 = 1 - Math.pow(beta2, t);
    INDArray p = store.params();
    List<ParamGroups.Span> spans = groups.spans();
    for (ParamGroups.Span s : spans) {
      INDArray g = slice(store.grads(), s);
      INDArray ms = slice(m, s);
      INDArray vs = slice(v, s);
      INDArray ts = slice(tmp, s);
      ms.muli(beta1);
      Nd4j.getBlasWrapper().level1().axpy(g.length(), 1 - beta1, g, ms);
      vs.muli(beta2);
      ts.assign(g).muli(g);
      Nd4j.getBlasWrapper().level1().axpy(ts.length(), 1 - beta2, ts, vs);
      ts.assign(vs).divi(bc2);
      Transforms.sqrt(ts, false).addi(eps);
      ts.rdivi(ms).muli(lr / bc1);                             // lr · m̂ / (sqrt(v̂) + ε)
    }
    for (ParamGroups.Run run : groups.runs()) {
      if (run.scale() == 0.0) {
        continue;   // frozen
      }
      if (run.scale() != 1.0) {
        tmp.get(NDArrayIndex.interval(run.from(), run.to())).muli(run.scale());
      }
      if (run.decay() && weightDecay > 0) {
        p.get(NDArrayIndex.interval(run.from(), run.to()))
            .muli(1 - run.scale() * lr * weightDecay);
      }
    }
    for (ParamGroups.Span s : spans) {
      slice(p, s).subi(slice(tmp, s));
    }
  }

  /** Elements {@code span.from .. span.to−1} of a flat buffer: the buffer itself when whole. */
  private static INDArray slice(INDArray flat, ParamGroups.Span span) {
    return span.from() == 0 && span.to() == flat.length() ? flat
        : flat.get(NDArrayIndex.interval(span.from(), span.to()));
  }

  /** Scales the gradients so their global L2 norm is at most {@code maxNorm}; returns the norm. */
  public static double clip(ParamStore store, double maxNorm) {
    double norm = store.grads().norm2Number().doubleValue();
    if (maxNorm > 0 && norm > maxNorm) {
      store.grads().muli(maxNorm / norm);
    }
    return norm;
  }

  public long steps() {
    return t;
  }

  public float[] firstMoment() {
    return m.toFloatVector();
  }

  public float[] secondMoment() {
    return v.toFloatVector();
  }

  /** Restores the state saved by a checkpoint. */
  public void restore(float[] firstMoment, float[] secondMoment, long steps) {
    if (firstMoment.length != m.length() || secondMoment.length != v.length()) {
      throw new IllegalArgumentException("optimizer state has " + firstMoment.length
          + " entries, the model " + m.length());
    }
    m.assign(Nd4j.createFromArray(firstMoment).castTo(m.dataType()));
    v.assign(Nd4j.createFromArray(secondMoment).castTo(v.dataType()));
    t = steps;
  }
}
