package io.omniembed.train;

import io.omniembed.loss.ContrastiveBatch;
import io.omniembed.loss.InBatchNceLoss;
import io.omniembed.model.Encoder;
import io.omniembed.model.TokenBatch;
import io.omniembed.model.Workspace;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training step as a function of (parameters, batch) → (loss, gradients): encode the queries
 * (task string kept or dropped per example), positives and hard negatives; compute the NCE loss
 * on the embeddings; back-propagate its embedding gradients through the encoder into the
 * gradient buffer (zeroed first). The optimizer update is not part of the step, so a collective
 * can average the gradients of several workers in between.
 */
public final class ContrastiveStep {

  /** The loss of a step and its per-Matryoshka-dimension parts. */
  public record Result(double loss, double[] perDimLoss, int examples) {}

  private final Encoder encoder;
  private final InBatchNceLoss loss;
  private final double taskStringDropout;
  private final long seed;
  private final Workspace queries = new Workspace();
  private final Workspace positives = new Workspace();
  private final Workspace negatives = new Workspace();

  public ContrastiveStep(Encoder encoder, InBatchNceLoss loss, double taskStringDropout,
      long seed) {
    this.encoder = encoder;
    this.loss = loss;
    this.taskStringDropout = taskStringDropout;
    this.seed = seed;
  }

  public Result run(int step, List<TokenizedExample> batch) {
    encoder.store().zeroGrads();
    int b = batch.size();
    SplittableRandom dropout = new SplittableRandom(Seeds.mix(seed, step, 3));
    List<int[]> q = new ArrayList<>(b);
    List<int[]> p = new ArrayList<>(b);
    List<int[]> n = new ArrayList<>();
    List<Integer> owners = new ArrayList<>();
    List<Long> negKeys = new ArrayList<>();
    long[] qKeys = new long[b];
    long[] pKeys = new long[b];
    for (int i = 0; i < b; i++) {
      TokenizedExample e = batch.get(i);
      q.add(dropout.nextDouble() < taskStringDropout ? e.queryBare() : e.queryWithTask());
      p.add(e.positive());
      qKeys[i] = e.queryKey();
      pKeys[i] = e.positiveKey();
      for (int k = 0; k < e.negatives().size(); k++) {
        n.add(e.negatives().get(k));
        owners.add(i);
        negKeys.add(e.negativeKeys()[k]);
      }
    }
    TokenBatch qb = TokenBatch.ofText(q);
    TokenBatch pb = TokenBatch.ofText(p);
    float[][] qe = encoder.forward(qb, queries, true).toFloatMatrix();
    float[][] pe = encoder.forward(pb, positives, true).toFloatMatrix();
    TokenBatch nb = n.isEmpty() ? null : TokenBatch.ofText(n);
    float[][] ne = nb == null ? new float[0][qe[0].length]
        : encoder.forward(nb, negatives, true).toFloatMatrix();
    InBatchNceLoss.Result r = loss.compute(new ContrastiveBatch(qe, pe, ne,
        owners.stream().mapToInt(Integer::intValue).toArray(), qKeys, pKeys,
        negKeys.stream().mapToLong(Long::longValue).toArray()));
    encoder.backward(qb, Nd4j.createFromArray(r.dQueries()), queries);
    encoder.backward(pb, Nd4j.createFromArray(r.dPositives()), positives);
    if (nb != null) {
      encoder.backward(nb, Nd4j.createFromArray(r.dNegatives()), negatives);
    }
    return new Result(r.loss(), r.perDimLoss(), b);
  }
}
