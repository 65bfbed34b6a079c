package io.omniembed.bench;

import io.omniembed.config.ModelConfig;
import io.omniembed.model.Encoder;
import io.omniembed.model.ParamStore;
import io.omniembed.model.TokenBatch;
import io.omniembed.model.Workspace;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One training step of the {@code minilm-l6} (or another preset) encoder, timed the way
 * ../shared/bench/ttrain.py times PyTorch: 32 (query, positive) pairs × 64 tokens of random ids,
 * forward of both sides, InfoNCE with in-batch negatives (τ = 0.05), backward, AdamW update.
 * Prints forward, backward and optimizer milliseconds and GFLOP/s (3 × 2 × forward FLOPs per
 * step, as ttrain.py counts).
 *
 * <p>Usage: {@code TrainStep [preset=minilm-l6] [steps=10] [batch=32] [tokens=64]}
 */
public final class TrainStep {

  private TrainStep() {}

  public static void main(String[] args) {
    String preset = args.length > 0 ? args[0] : "minilm-l6";
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int b = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int t = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    ModelConfig config = ModelConfig.preset(preset);
    Encoder encoder = Encoder.randomInit(config, 0);
    ParamStore store = encoder.store();
    double tau = 0.05;
    GradientUpdater<?> adam = new Adam(2e-5).instantiate(
        Nd4j.create(store.params().dataType(), 1, 2 * store.size()), true);
    double matmulParams = config.layers() * (4.0 * config.hidden() * config.hidden()
        + 2.0 * config.hidden() * config.ffn());
    double fwdFlops = 2.0 * matmulParams * b * t + 4.0 * t * t * config.hidden()
        * config.layers() * b;
    double stepFlops = 3 * 2 * fwdFlops;
    System.out.printf("engine=omniembed preset=%s params=%d batch=%d tokens=%d step_gflop=%.1f"
        + " OPENBLAS_CORETYPE=%s%n", preset, store.size(), b, t, stepFlops / 1e9,
        System.getenv("OPENBLAS_CORETYPE"));
    Workspace wq = new Workspace();
    Workspace wp = new Workspace();
    SplittableRandom random = new SplittableRandom(1);
    for (int s = 0; s < steps + 2; s++) {
      TokenBatch q = randomBatch(random, b, t, config.vocabSize());
      TokenBatch p = randomBatch(random, b, t, config.vocabSize());
      long t0 = System.nanoTime();
      store.zeroGrads();
      INDArray eq = encoder.forward(q, wq, true);
      INDArray ep = encoder.forward(p, wp, true);
      long t1 = System.nanoTime();
      // InfoNCE: S = Q·Pᵀ/τ, L = mean_i CE(S_i, i); dS = (softmax(S) − I)/B.
      INDArray logits = eq.mmul(ep.transpose()).divi(tau);
      INDArray probs = Transforms.softmax(logits, true);
      double loss = 0;
      for (int i = 0; i < b; i++) {
        loss -= Math.log(probs.getDouble(i, i));
      }
      loss /= b;
      INDArray dS = probs.subi(Nd4j.eye(b)).divi(b);
      INDArray dq = dS.mmul(ep).divi(tau);
      INDArray dp = dS.transpose().mmul(eq).divi(tau);
      encoder.backward(q, dq, wq);
      encoder.backward(p, dp, wp);
      long t2 = System.nanoTime();
      INDArray grad = store.grads().reshape(1, store.size());
      adam.applyUpdater(grad, s, 0);
      store.params().muli(1 - 2e-5 * 0.01);                // decoupled weight decay (AdamW)
      store.params().subi(grad.reshape(store.size()));
      long t3 = System.nanoTime();
      double sec = (t3 - t0) / 1e9;
      if (s >= 2) {
        System.out.printf("RESULT engine=omniembed cfg=%s step=%d step_ms=%.0f fwd_ms=%.0f"
                + " bwd_ms=%.0f opt_ms=%.0f ex_per_s=%.1f gflops=%.1f loss=%.4f%n", preset, s - 2,
            sec * 1e3, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, b / sec,
            stepFlops / sec / 1e9, loss);
      }
    }
  }

  private static TokenBatch randomBatch(SplittableRandom r, int b, int t, int vocab) {
    List<int[]> seqs = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      int[] s = new int[t];
      for (int j = 0; j < t; j++) {
        s[j] = 1 + r.nextInt(vocab - 1);
      }
      seqs.add(s);
    }
    return TokenBatch.ofText(seqs);
  }
}
