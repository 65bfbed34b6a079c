package io.omniembed.train;

import io.omniembed.config.TrainConfig;
import io.omniembed.model.layer.ParamStore;
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

  /** Applies one update with learning rate {@code lr} from the gradients in {@code store}. */
  public void step(ParamStore store, double lr) {
    t++;
    INDArray g = store.grads();
    INDArray p = store.params();
    m.muli(beta1);
    Nd4j.getBlasWrapper().level1().axpy(g.length(), 1 - beta1, g, m);
    v.muli(beta2);
    tmp.assign(g).muli(g);
    Nd4j.getBlasWrapper().level1().axpy(tmp.length(), 1 - beta2, tmp, v);
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2 = 1 - Math.pow(beta2, t);
    tmp.assign(v).divi(bc2);
    Transforms.sqrt(tmp, false).addi(eps);
    tmp.rdivi(m).muli(lr / bc1);                               // lr · m̂ / (sqrt(v̂) + ε)
    for (ParamGroups.Run run : groups.runs()) {
      // A frozen run (scale 0) is left exactly as it is: its update is multiplied by 0 and its
      // decay factor is 1 − 0 = 1.
      if (run.scale() != 1.0) {
        tmp.get(NDArrayIndex.interval(run.from(), run.to())).muli(run.scale());
      }
      if (run.decay() && weightDecay > 0) {
        p.get(NDArrayIndex.interval(run.from(), run.to()))
            .muli(1 - run.scale() * lr * weightDecay);
      }
    }
    p.subi(tmp);
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
