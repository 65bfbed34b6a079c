package io.omniembed.train;

import io.omniembed.loss.DistillationMseLoss;
import io.omniembed.model.Encoder;
import io.omniembed.model.layer.Sequence;
import io.omniembed.model.layer.TokenBatch;
import io.omniembed.model.layer.Workspace;
import io.omniembed.train.collective.Collective;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One data-parallel step of a distillation task ({@link DistillationMseLoss}) as a function of
 * (parameters, global batch) → (loss, gradients), the counterpart of {@link ContrastiveStep} for
 * batches of source/translation pairs with the teacher's embedding of each source.
 *
 * <p>Unlike NCE, the loss is a sum of per-row terms: a row's gradient depends on its own
 * embeddings and its teacher vector only. So no embeddings are gathered: each worker encodes its
 * rows, takes ∂L/∂e with the global 1/B, back-propagates, and the gradients are summed by the
 * all-reduce as in {@link ContrastiveStep}; only the workers' partial loss sums are exchanged, for
 * the metrics. For the same reason GradCache needs no re-encoding here: with {@code chunk} &gt; 0
 * each chunk of rows is encoded, scored and back-propagated before the next, which bounds memory
 * to one chunk and leaves the gradient unchanged.
 */
public final class DistillationStep {

  private final Encoder encoder;
  private final DistillationMseLoss loss = new DistillationMseLoss();
  private final int chunk;
  private final Collective collective;
  private final Workspace sources;
  private final Workspace translations;

  /**
   * @param chunk      rows encoded and back-propagated at a time; 0 takes the whole share
   * @param collective the workers of the step ({@link Collective#single()} for one)
   */
  public DistillationStep(Encoder encoder, int chunk, Collective collective) {
    if (collective.size() > 1 && encoder.store().dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException("data-parallel training needs float32 parameters");
    }
    this.encoder = encoder;
    this.chunk = chunk;
    this.collective = collective;
    this.sources = new Workspace(encoder.store().dataType());
    this.translations = new Workspace(encoder.store().dataType());
  }

  /** A single-worker step over the whole batch. */
  public ContrastiveStep.Result run(int step, List<TokenizedExample> batch) throws IOException {
    return run(step, batch, 0, batch.size());
  }

  /**
   * Runs this worker's {@code rows} of a global batch of {@code globalSize}; leaves the summed
   * gradient of the global loss in the encoder's gradient buffer, identical on every worker.
   * The result's loss is that of the whole global batch.
   */
  public ContrastiveStep.Result run(int step, List<TokenizedExample> rows, int offset,
      int globalSize) throws IOException {
    encoder.store().zeroGrads();
    double lossSum = 0;   // Σ over this worker's rows of the per-row loss
    long encode = 0;
    long score = 0;
    long backward = 0;
    int size = chunk == 0 ? Math.max(1, rows.size()) : chunk;
    for (int from = 0; from < rows.size(); from += size) {
      List<TokenizedExample> part = rows.subList(from, Math.min(rows.size(), from + size));
      List<Sequence> s = new ArrayList<>(part.size());
      List<Sequence> t = new ArrayList<>(part.size());
      float[][] teacher = new float[part.size()][];
      for (int i = 0; i < part.size(); i++) {
        TokenizedExample e = part.get(i);
        if (e.teacher() == null) {
          throw new IllegalStateException("step " + step + ": row " + (offset + from + i)
              + " of a distillation batch has no teacher embedding");
        }
        s.add(e.queryBare());
        t.add(e.positive());
        teacher[i] = e.teacher();
      }
      long a = System.nanoTime();
      TokenBatch sb = TokenBatch.of(s);
      TokenBatch tb = TokenBatch.of(t);
      float[][] se = encoder.forward(sb, sources, true).toFloatMatrix();      // [b, D]
      float[][] te = encoder.forward(tb, translations, true).toFloatMatrix(); // [b, D]
      long b = System.nanoTime();
      DistillationMseLoss.Result r = loss.compute(se, te, teacher);
      // r is the mean over this part; as a share of the global mean it weighs |part| / B.
      double w = (double) part.size() / globalSize;
      lossSum += r.loss() * part.size();
      long c = System.nanoTime();
      encoder.backward(sb, gradient(r.dSources(), w), sources);
      encoder.backward(tb, gradient(r.dTranslations(), w), translations);
      encode += b - a;
      score += c - b;
      backward += System.nanoTime() - c;
    }
    long t1 = System.nanoTime();
    double total = lossSum;
    if (collective.size() > 1) {
      total = 0;
      for (byte[] block : collective.allGather(ByteBuffer.allocate(8)
          .order(ByteOrder.LITTLE_ENDIAN).putDouble(lossSum).array())) {
        total += ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).getDouble();
      }
      collective.allReduceSum((FloatBuffer) encoder.store().gradBuffer());
      encoder.store().gradsFromHost();
    }
    double mean = total / globalSize;
    long t2 = System.nanoTime();
    // Encoding and backward interleave chunk by chunk; the gradients are all-reduced after the
    // last backward, so all of the exchange is exposed.
    return new ContrastiveStep.Result(mean, new double[] {mean}, globalSize, 0, encode / 1e9,
        score / 1e9, backward / 1e9, (t2 - t1) / 1e9);
  }

  private org.nd4j.linalg.api.ndarray.INDArray gradient(float[][] rows, double scale) {
    float[][] scaled = new float[rows.length][];
    for (int r = 0; r < rows.length; r++) {
      scaled[r] = new float[rows[r].length];
      for (int c = 0; c < rows[r].length; c++) {
        scaled[r][c] = (float) (rows[r][c] * scale);
      }
    }
    return Nd4j.createFromArray(scaled).castTo(encoder.store().dataType());
  }
}
