package io.omniembed.bench;

import io.omniembed.config.ModelConfig;
import io.omniembed.loss.InBatchNceLoss;
import io.omniembed.model.Encoder;
import io.omniembed.train.AdamW;
import io.omniembed.train.ContrastiveStep;
import io.omniembed.train.TokenizedExample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The training step of {@code train} — {@link ContrastiveStep} (forward of queries and
 * positives, NCE loss with in-batch negatives at τ = 0.05, backward) then gradient clipping and
 * AdamW — on the shapes of the PyTorch peer (jobs/bench/peers/ttrain.py): 32 (query, positive)
 * pairs × 64 tokens of random ids, one Matryoshka dimension (the full one), no task-string
 * dropout. Prints milliseconds per step and GFLOP/s (3 × 2 × forward FLOPs, as ttrain.py counts).
 *
 * <p>Usage: {@code TrainStep [preset=minilm-l6] [steps=10] [batch=32] [tokens=64]}
 */
public final class TrainStep {

  private TrainStep() {}

  public static void main(String[] args) throws java.io.IOException {
    String build = io.omniembed.model.layer.NativeBuild.choose();   // as the jobs do
    String preset = args.length > 0 ? args[0] : "minilm-l6";
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int b = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int t = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    ModelConfig config = ModelConfig.preset(preset);
    Encoder encoder = Encoder.randomInit(config, 0);
    ContrastiveStep step = new ContrastiveStep(encoder, new InBatchNceLoss(0.05,
        List.of(config.outputDim()), List.of(1.0), false), 0.0, 0, 0,
        io.omniembed.train.collective.Collective.single());
    AdamW adam = new AdamW(encoder.store(), 0.9, 0.999, 1e-8, 0.01,
        io.omniembed.train.ParamGroups.of(encoder.store(), true, 1.0));
    double matmulParams = config.layers() * (4.0 * config.hidden() * config.hidden()
        + 2.0 * config.hidden() * config.ffn());
    double fwdFlops = 2.0 * matmulParams * b * t + 4.0 * t * t * config.hidden()
        * config.layers() * b;
    double stepFlops = 3 * 2 * fwdFlops;
    System.out.printf("engine=omniembed preset=%s params=%d batch=%d tokens=%d step_gflop=%.1f"
        + " OPENBLAS_CORETYPE=%s nd4j_build=linux-x86_64%s%n", preset, encoder.store().size(), b,
        t, stepFlops / 1e9, System.getenv("OPENBLAS_CORETYPE"), build);
    SplittableRandom random = new SplittableRandom(1);
    long fwdBwdNanos = 0;
    long optNanos = 0;
    for (int s = 1; s <= steps + 2; s++) {
      List<TokenizedExample> batch = randomBatch(random, b, t, config.vocabSize());
      long t0 = System.nanoTime();
      ContrastiveStep.Result r = step.run(s, batch);
      long t1 = System.nanoTime();
      AdamW.clip(encoder.store(), 1.0);
      adam.step(encoder.store(), 2e-5);
      long t2 = System.nanoTime();
      double sec = (t2 - t0) / 1e9;
      if (s == 2) {
        io.omniembed.model.layer.OpProfile.drain();   // the warm-up steps are not profiled
      }
      if (s > 2) {
        fwdBwdNanos += t1 - t0;
        optNanos += t2 - t1;
        System.out.printf("RESULT engine=omniembed cfg=%s step=%d step_ms=%.0f fwd_bwd_ms=%.0f"
                + " opt_ms=%.0f ex_per_s=%.1f gflops=%.1f loss=%.4f%n", preset, s - 3, sec * 1e3,
            (t1 - t0) / 1e6, (t2 - t1) / 1e6, b / sec, stepFlops / sec / 1e9, r.loss());
      }
    }
    if (io.omniembed.model.layer.OpProfile.ON) {
      printProfile(io.omniembed.model.layer.OpProfile.drain(), fwdBwdNanos, optNanos, steps);
    }
  }

  /**
   * ms per step per op kind (-Domniembed.profile=true), the rest of forward and backward (the
   * loss, pooling, projection, copies between layers) and the optimizer, as PROFILE lines.
   */
  private static void printProfile(java.util.Map<String, Long> ops, long fwdBwd, long opt,
      int steps) {
    long counted = 0;
    for (var e : ops.entrySet()) {
      counted += e.getValue();
      System.out.printf("PROFILE engine=omniembed op=\"%s\" ms_per_step=%.1f%n", e.getKey(),
          e.getValue() / 1e6 / steps);
    }
    System.out.printf("PROFILE engine=omniembed op=\"other forward/backward (loss, pooling,"
        + " projection, copies)\" ms_per_step=%.1f%n", (fwdBwd - counted) / 1e6 / steps);
    System.out.printf("PROFILE engine=omniembed op=\"optimizer (clip, AdamW)\" ms_per_step=%.1f%n",
        opt / 1e6 / steps);
    System.out.printf("PROFILE engine=omniembed op=\"step\" ms_per_step=%.1f%n",
        (fwdBwd + opt) / 1e6 / steps);
  }

  /** {@code b} (query, positive) pairs of {@code t} random token ids, no hard negatives. */
  static List<TokenizedExample> randomBatch(SplittableRandom random, int b, int t, int vocab) {
    List<TokenizedExample> batch = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      io.omniembed.model.layer.Sequence q = io.omniembed.model.layer.Sequence.text(randomIds(random, t, vocab),
          false);
      io.omniembed.model.layer.Sequence p = io.omniembed.model.layer.Sequence.text(randomIds(random, t, vocab),
          false);
      batch.add(new TokenizedExample(q, q, p, List.of(), random.nextLong(), random.nextLong(),
          new long[0]));
    }
    return batch;
  }

  private static int[] randomIds(SplittableRandom r, int t, int vocab) {
    int[] s = new int[t];
    for (int j = 0; j < t; j++) {
      s[j] = 1 + r.nextInt(vocab - 1);
    }
    return s;
  }
}
