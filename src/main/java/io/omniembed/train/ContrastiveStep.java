package io.omniembed.train;

import io.omniembed.data.Seeds;
import io.omniembed.loss.ContrastiveBatch;
import io.omniembed.loss.InBatchNceLoss;
import io.omniembed.loss.LockedTextNceLoss;
import io.omniembed.loss.LockedTextNceLoss.TextSide;
import io.omniembed.model.BackwardHook;
import io.omniembed.model.Encoder;
import io.omniembed.model.layer.Sequence;
import io.omniembed.model.layer.TokenBatch;
import io.omniembed.model.layer.Workspace;
import io.omniembed.train.collective.Collective;
import io.omniembed.train.collective.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One data-parallel training step as a function of (parameters, global batch) → (loss,
 * gradients), run by each of W workers on its share of the global batch of B examples:
 * <ol>
 *   <li>encode this worker's queries (task string kept or dropped per example), positives and
 *       hard negatives;</li>
 *   <li>all-gather the embeddings (and content keys) of every worker, in rank order, which
 *       rebuilds the global batch exactly as one worker would have encoded it;</li>
 *   <li>compute the NCE loss and dL/d(embedding) for every row of the global batch — every query
 *       sees the positives and hard negatives of all workers, with the duplicate mask applied
 *       across workers;</li>
 *   <li>back-propagate only this worker's rows' embedding gradients through its encoder;</li>
 *   <li>all-reduce (sum) the parameter gradients, in buckets overlapped with step 4
 *       ({@link BucketedAllReduce}).</li>
 * </ol>
 *
 * <p><b>Why this equals the single-worker gradient.</b> The loss L is a function of the B·(2+h)
 * embeddings only, and every embedding e_j depends only on the parameters θ and its own input.
 * By the chain rule dL/dθ = Σ_j (∂L/∂e_j)·(∂e_j/∂θ). Every worker holds all e_j, so it computes
 * the same ∂L/∂e_j as one worker on the whole batch would (including the 1/B of the mean, with
 * the global B); the rows j partition among workers, so the sum over workers of their partial
 * sums Σ_{j∈rows(r)} (∂L/∂e_j)(∂e_j/∂θ) is the whole sum. Hence the all-reduce sums, and does
 * not average: the averaging is the 1/B inside L. Task-string dropout is drawn per global row
 * from (seed, step, row), so the inputs are the same for any W as well.
 *
 * <p><b>GradCache</b> (Gao et al., 2021, "Scaling Deep Contrastive Learning Batch Size under
 * Memory Limited Setup"): with {@code chunk} &gt; 0 and more rows than that, step 1 encodes in
 * chunks without keeping activations and step 4 re-encodes each chunk keeping them and
 * back-propagates its slice of ∂L/∂e. By the same chain rule the gradient is unchanged; memory
 * holds the activations of one chunk instead of the whole share.
 *
 * <p><b>Overlap.</b> Without GradCache the three roles (queries, positives, negatives) are
 * back-propagated jointly, layer by layer ({@link Encoder#backward(List, BackwardHook)}), so a
 * layer's gradients are final as soon as the three passes are through it and its bucket is
 * all-reduced while the earlier layers' backward runs — for the whole backward. With GradCache
 * each chunk is re-encoded just before its backward, so the passes cannot be joined without
 * keeping every chunk's activations (what GradCache avoids): a bucket is final only after the
 * step's last chunk, and only that last pass overlaps with the all-reduce. Either way each
 * gradient element receives its contributions in the same order (queries, positives, negatives,
 * chunk by chunk), so the gradients do not depend on the overlap.
 *
 * <p><b>Locked text.</b> A batch of a {@code lit-*} task ({@link LockedTextNceLoss}) has the
 * frozen teacher's vector of each pair's text side in place of that side's embedding: those rows
 * are neither encoded nor back-propagated, only the media side is, and the vectors travel in the
 * all-gather as embeddings would. Every row of such a batch must have its text on the same side
 * (all workers agree on it in the all-gather).
 *
 * <p>The optimizer update is not part of the step.
 */
public final class ContrastiveStep {

  /**
   * The loss of a step, its per-Matryoshka-dimension parts, the global batch size, the hard
   * negatives of the global batch masked for having their own positive's content, and where this
   * worker's time went (seconds): encoding, loss, backward (re-encoding included), and the
   * gradient all-reduce's exposed time: how long the step waited for it after its backward
   * (all of it without overlap).
   */
  public record Result(double loss, double[] perDimLoss, int examples, int maskedHardNegatives,
      double encodeSeconds, double lossSeconds, double backwardSeconds,
      double exposedAllReduceSeconds) {}

  private final Encoder encoder;
  private final InBatchNceLoss loss;
  private final LockedTextNceLoss lockedLoss;
  private final double taskStringDropout;
  private final long seed;
  private final int chunk;
  private final Collective collective;
  private final BucketedAllReduce allReduce;
  private final Workspace inference;
  private final Role queries;
  private final Role positives;
  private final Role negatives;

  /**
   * A step whose gradients are all-reduced in float32, overlapped with the backward pass.
   *
   * @param chunk      GradCache chunk size in texts; 0 encodes each role in one pass
   * @param collective the workers of the step ({@link Collective#single()} for one)
   */
  public ContrastiveStep(Encoder encoder, InBatchNceLoss loss, double taskStringDropout,
      long seed, int chunk, Collective collective) {
    this(encoder, loss, taskStringDropout, seed, chunk, collective, true, WireFormat.FP32);
  }

  /**
   * @param overlap all-reduce gradient buckets during the backward pass (same result as after)
   * @param wire    how gradients travel: {@link WireFormat#FP32} (exact) or bfloat16
   */
  public ContrastiveStep(Encoder encoder, InBatchNceLoss loss, double taskStringDropout,
      long seed, int chunk, Collective collective, boolean overlap, WireFormat wire) {
    if (collective.size() > 1 && encoder.store().dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException("data-parallel training needs float32 parameters");
    }
    this.encoder = encoder;
    this.loss = loss;
    this.lockedLoss = new LockedTextNceLoss(loss);
    this.taskStringDropout = taskStringDropout;
    this.seed = seed;
    this.chunk = chunk;
    this.collective = collective;
    // On a device backend the backward pass writes the gradients' device copy and the
    // collective reads the host copy, which is made current once, after the backward: no
    // overlap there (ParamStore#hostResident).
    this.allReduce = collective.size() > 1
        ? new BucketedAllReduce(collective, encoder.gradientGroups(),
            overlap && encoder.store().hostResident(), wire) : null;
    // Activations in the parameters' precision: float32 in training, float64 for the gradient
    // checks (embeddings still reach the loss as float32).
    this.inference = new Workspace(encoder.store().dataType());
    this.queries = new Role();
    this.positives = new Role();
    this.negatives = new Role();
  }

  /** A single-worker step over the whole batch. */
  public Result run(int step, List<TokenizedExample> batch) throws IOException {
    return run(step, batch, 0, batch.size());
  }

  /**
   * Runs step {@code step} on this worker's {@code rows}, the rows {@code offset ..
   * offset+rows.size()−1} of a global batch of {@code globalSize}. Leaves the summed gradient of
   * the global loss in the encoder's gradient buffer, identical on every worker.
   */
  public Result run(int step, List<TokenizedExample> rows, int offset, int globalSize)
      throws IOException {
    encoder.store().zeroGrads();
    long t0 = System.nanoTime();
    int b = rows.size();
    TextSide locked = lockedSide(step, rows, offset);
    List<Sequence> q = new ArrayList<>(b);
    List<Sequence> p = new ArrayList<>(b);
    List<Sequence> n = new ArrayList<>();
    List<Integer> owners = new ArrayList<>();
    List<Long> negKeys = new ArrayList<>();
    long[] qKeys = new long[b];
    long[] pKeys = new long[b];
    for (int i = 0; i < b; i++) {
      TokenizedExample e = rows.get(i);
      int row = offset + i;
      boolean drop = new SplittableRandom(Seeds.mix(seed, step, 3, row)).nextDouble()
          < taskStringDropout;
      q.add(drop ? e.queryBare() : e.queryWithTask());
      p.add(e.positive());
      qKeys[i] = e.queryKey();
      pKeys[i] = e.positiveKey();
      for (int k = 0; k < e.negatives().size(); k++) {
        n.add(e.negatives().get(k));
        owners.add(row);
        negKeys.add(e.negativeKeys()[k]);
      }
    }
    // [b, D] each; the locked text side is the teacher's vectors, not encoded.
    float[][] qe = locked == TextSide.QUERY ? queries.fixed(teacher(rows)) : queries.encode(q);
    float[][] pe = locked == TextSide.POSITIVE ? positives.fixed(teacher(rows))
        : positives.encode(p);
    float[][] ne = negatives.encode(n);
    long t1 = System.nanoTime();

    Local mine = new Local(qe, pe, ne, owners.stream().mapToInt(Integer::intValue).toArray(),
        qKeys, pKeys, negKeys.stream().mapToLong(Long::longValue).toArray(), sideCode(locked));
    Gathered all = gather(mine, globalSize);
    Gradients r = locked == null ? Gradients.of(loss.compute(all.batch()))
        : Gradients.of(lockedLoss.compute(all.batch(), locked), locked, globalSize);
    long t2 = System.nanoTime();

    BackwardHook hook = BackwardHook.NONE;
    if (allReduce != null) {
      allReduce.begin((FloatBuffer) encoder.store().gradBuffer());
      hook = allReduce.hook();
    }
    backward(new Role[] {queries, positives, negatives}, new float[][][] {
        slice(r.dQueries(), offset, b), slice(r.dPositives(), offset, b),
        slice(r.dNegatives(), all.negativeOffset(), ne.length)}, hook);
    long t3 = System.nanoTime();
    if (allReduce != null) {
      encoder.store().gradsToHost();
      allReduce.finish();
      encoder.store().gradsFromHost();
    }
    long t4 = System.nanoTime();
    return new Result(r.loss(), r.perDimLoss(), globalSize, r.maskedHardNegatives(),
        (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t4 - t3) / 1e9);
  }

  /**
   * Back-propagates the roles' embedding gradients, in role order; {@code hook} learns of each
   * layer group once the gradients of the whole step are final.
   */
  private void backward(Role[] roles, float[][][] dEmbeddings, BackwardHook hook) {
    boolean joint = true;
    for (Role role : roles) {
      joint &= role.isWhole();
    }
    if (joint) {
      List<Encoder.Pass> passes = new ArrayList<>();
      for (int i = 0; i < roles.length; i++) {
        roles[i].addPass(dEmbeddings[i], passes);
      }
      encoder.backward(passes, hook);
      return;
    }
    int last = roles.length - 1;
    while (last >= 0 && roles[last].texts.isEmpty()) {
      last--;
    }
    for (int i = 0; i < roles.length; i++) {
      roles[i].backward(dEmbeddings[i], i == last ? hook : BackwardHook.NONE);
    }
  }

  /**
   * dL/d(embedding) of every row of the global batch; for a locked-text batch the text side's
   * rows are null (nothing to back-propagate).
   */
  private record Gradients(double loss, double[] perDimLoss, float[][] dQueries,
      float[][] dPositives, float[][] dNegatives, int maskedHardNegatives) {

    static Gradients of(InBatchNceLoss.Result r) {
      return new Gradients(r.loss(), r.perDimLoss(), r.dQueries(), r.dPositives(),
          r.dNegatives(), r.maskedHardNegatives());
    }

    static Gradients of(LockedTextNceLoss.Result r, TextSide text, int globalSize) {
      float[][] none = new float[globalSize][];
      return new Gradients(r.loss(), r.perDimLoss(), text == TextSide.QUERY ? none : r.dMedia(),
          text == TextSide.QUERY ? r.dMedia() : none, new float[0][], 0);
    }
  }

  /**
   * The locked text side of this worker's rows: null when none has a teacher vector (an
   * ordinary batch), else the side all of them have their text on.
   */
  static TextSide lockedSide(int step, List<TokenizedExample> rows, int offset) {
    boolean lockedBatch = rows.get(0).teacher() != null;
    TextSide side = null;
    for (int i = 0; i < rows.size(); i++) {
      TokenizedExample e = rows.get(i);
      if ((e.teacher() != null) != lockedBatch) {
        throw new IllegalStateException("step " + step + ": row " + (offset + i) + (lockedBatch
            ? " has no teacher vector in a locked-text batch" : " has a teacher vector in a"
            + " batch without"));
      }
      if (!lockedBatch) {
        continue;
      }
      TextSide s = e.queryBare().hasMedia() ? TextSide.POSITIVE : TextSide.QUERY;
      if (side != null && s != side) {
        throw new IllegalStateException("step " + step + ": row " + (offset + i) + " of a"
            + " locked-text batch has its text as the " + s.name().toLowerCase() + ", row "
            + offset + " as the " + side.name().toLowerCase() + " (a lit-* task keeps one"
            + " direction)");
      }
      side = s;
    }
    return side;
  }

  private static float[][] teacher(List<TokenizedExample> rows) {
    float[][] out = new float[rows.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = rows.get(i).teacher();
    }
    return out;
  }

  /** The side as it travels in the all-gather: −1 none, else its ordinal. */
  private static int sideCode(TextSide side) {
    return side == null ? -1 : side.ordinal();
  }

  /**
   * This worker's embeddings and keys; negative owners are global row indices; {@code locked}
   * the {@link #sideCode} of its locked text side.
   */
  private record Local(float[][] q, float[][] p, float[][] n, int[] owners, long[] qKeys,
      long[] pKeys, long[] nKeys, int locked) {}

  /** The global batch, and where this worker's hard negatives start in it. */
  private record Gathered(ContrastiveBatch batch, int negativeOffset) {}

  private Gathered gather(Local mine, int globalSize) throws IOException {
    if (collective.size() == 1) {
      return new Gathered(new ContrastiveBatch(mine.q, mine.p, mine.n, mine.owners, mine.qKeys,
          mine.pKeys, mine.nKeys), 0);
    }
    int dim = encoder.config().outputDim();
    byte[][] blocks = collective.allGather(pack(mine, dim));
    List<Local> parts = new ArrayList<>();
    int negativeOffset = 0;
    for (int r = 0; r < blocks.length; r++) {
      Local part = unpack(blocks[r], dim);
      if (r < collective.rank()) {
        negativeOffset += part.n.length;
      }
      parts.add(part);
    }
    Local all = concat(parts);
    if (all.q.length != globalSize) {
      throw new IllegalStateException("workers hold " + all.q.length + " rows of a global batch"
          + " of " + globalSize);
    }
    return new Gathered(new ContrastiveBatch(all.q, all.p, all.n, all.owners, all.qKeys,
        all.pKeys, all.nKeys), negativeOffset);
  }

  // Block layout (little-endian): nq, nn, locked; q[nq·D], p[nq·D], n[nn·D] floats; qKeys[nq],
  // pKeys[nq], nKeys[nn] longs; owners[nn] ints.
  private static byte[] pack(Local l, int dim) {
    int nq = l.q.length;
    int nn = l.n.length;
    ByteBuffer buf = ByteBuffer.allocate(12 + 4 * dim * (2 * nq + nn) + 8 * (2 * nq + nn)
        + 4 * nn).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(nq).putInt(nn).putInt(l.locked);
    for (float[][] rows : new float[][][] {l.q, l.p, l.n}) {
      for (float[] row : rows) {
        buf.asFloatBuffer().put(row);
        buf.position(buf.position() + 4 * dim);
      }
    }
    for (long[] keys : new long[][] {l.qKeys, l.pKeys, l.nKeys}) {
      for (long k : keys) {
        buf.putLong(k);
      }
    }
    for (int o : l.owners) {
      buf.putInt(o);
    }
    return buf.array();
  }

  private static Local unpack(byte[] block, int dim) {
    ByteBuffer buf = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
    int nq = buf.getInt();
    int nn = buf.getInt();
    int locked = buf.getInt();
    float[][][] emb = {new float[nq][dim], new float[nq][dim], new float[nn][dim]};
    for (float[][] rows : emb) {
      for (float[] row : rows) {
        buf.asFloatBuffer().get(row);
        buf.position(buf.position() + 4 * dim);
      }
    }
    long[][] keys = {new long[nq], new long[nq], new long[nn]};
    for (long[] k : keys) {
      for (int i = 0; i < k.length; i++) {
        k[i] = buf.getLong();
      }
    }
    int[] owners = new int[nn];
    for (int i = 0; i < nn; i++) {
      owners[i] = buf.getInt();
    }
    return new Local(emb[0], emb[1], emb[2], owners, keys[0], keys[1], keys[2], locked);
  }

  private static Local concat(List<Local> parts) {
    List<float[]> q = new ArrayList<>();
    List<float[]> p = new ArrayList<>();
    List<float[]> n = new ArrayList<>();
    List<Integer> owners = new ArrayList<>();
    List<Long> qk = new ArrayList<>();
    List<Long> pk = new ArrayList<>();
    List<Long> nk = new ArrayList<>();
    int locked = parts.get(0).locked;
    for (Local l : parts) {
      if (l.locked != locked) {
        throw new IllegalStateException("the workers' rows of a step disagree on the locked text"
            + " side (codes " + locked + " and " + l.locked + ")");
      }
      q.addAll(List.of(l.q));
      p.addAll(List.of(l.p));
      n.addAll(List.of(l.n));
      for (int i = 0; i < l.q.length; i++) {
        qk.add(l.qKeys[i]);
        pk.add(l.pKeys[i]);
      }
      for (int i = 0; i < l.n.length; i++) {
        owners.add(l.owners[i]);
        nk.add(l.nKeys[i]);
      }
    }
    return new Local(q.toArray(new float[0][]), p.toArray(new float[0][]),
        n.toArray(new float[0][]), owners.stream().mapToInt(Integer::intValue).toArray(),
        qk.stream().mapToLong(Long::longValue).toArray(),
        pk.stream().mapToLong(Long::longValue).toArray(),
        nk.stream().mapToLong(Long::longValue).toArray(), locked);
  }

  private static float[][] slice(float[][] rows, int from, int count) {
    float[][] out = new float[count][];
    System.arraycopy(rows, from, out, 0, count);
    return out;
  }

  /**
   * The texts of one role (queries, positives or negatives) of this worker: encoded in one pass
   * with activations kept, or — GradCache — in chunks without, re-encoded chunk by chunk in
   * {@link #backward}.
   */
  private final class Role {
    private final Workspace kept = new Workspace(encoder.store().dataType());
    private List<Sequence> texts = List.of();
    private TokenBatch whole;   // the batch whose activations `kept` holds, if one pass

    /** This role's rows are fixed vectors (the locked text side): nothing to encode or train. */
    float[][] fixed(float[][] rows) {
      texts = List.of();
      whole = null;
      return rows;
    }

    float[][] encode(List<Sequence> sequences) {
      texts = sequences;
      whole = null;
      int dim = encoder.config().outputDim();
      if (sequences.isEmpty()) {
        return new float[0][dim];
      }
      if (chunk == 0 || sequences.size() <= chunk) {
        whole = TokenBatch.of(sequences);
        return encoder.forward(whole, kept, true).toFloatMatrix();
      }
      float[][] out = new float[sequences.size()][];
      for (int from = 0; from < sequences.size(); from += chunk) {
        int to = Math.min(sequences.size(), from + chunk);
        float[][] part = encoder.forward(TokenBatch.of(sequences.subList(from, to)),
            inference, false).toFloatMatrix();
        System.arraycopy(part, 0, out, from, to - from);
      }
      return out;
    }

    private INDArray gradient(float[][] rows) {
      return Nd4j.createFromArray(rows).castTo(encoder.store().dataType());
    }

    /** Whether this role's activations are all kept (one pass, or nothing to encode). */
    boolean isWhole() {
      return texts.isEmpty() || whole != null;
    }

    /** Adds this role's one pass, if it has texts, to a joint backward. */
    void addPass(float[][] dEmbedding, List<Encoder.Pass> passes) {
      if (!texts.isEmpty()) {
        passes.add(new Encoder.Pass(whole, gradient(dEmbedding), kept));
      }
    }

    /** Back-propagates this role on its own; {@code lastHook} goes to its last pass. */
    void backward(float[][] dEmbedding, BackwardHook lastHook) {
      if (texts.isEmpty()) {
        return;
      }
      if (whole != null) {
        encoder.backward(List.of(new Encoder.Pass(whole, gradient(dEmbedding), kept)), lastHook);
        return;
      }
      for (int from = 0; from < texts.size(); from += chunk) {
        int to = Math.min(texts.size(), from + chunk);
        TokenBatch part = TokenBatch.of(texts.subList(from, to));
        encoder.forward(part, kept, true);
        float[][] d = new float[to - from][];
        System.arraycopy(dEmbedding, from, d, 0, to - from);
        encoder.backward(List.of(new Encoder.Pass(part, gradient(d), kept)),
            to == texts.size() ? lastHook : BackwardHook.NONE);
      }
    }
  }
}
