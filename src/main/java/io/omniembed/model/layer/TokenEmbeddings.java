package io.omniembed.model.layer;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Input embeddings: x = LN(token[id] + position[offset + t] + modality[type]), BERT's embedding
 * block with its token-type table serving as the modality table (row 0, text, is BERT's type 0).
 * The position offset is 0 for BERT; RoBERTa and XLM-RoBERTa number the positions of a sequence
 * from padding_idx + 1 (their table's first rows belong to padding), so there it is 2.
 *
 * <p>At media positions the token row is replaced by the patch embedding ({@link
 * PatchEmbeddings}) before the modality and position rows are added.
 *
 * <p>Backward scatter-adds into the token and modality tables (ids repeat, so a plain parallel
 * scatter would race; see {@link #scatterAdd}) and sums over the batch for the position table.
 */
public final class TokenEmbeddings {

  private final INDArray tokens;
  private final INDArray positions;
  private final INDArray modalities;
  private final INDArray dPositions;
  private final ParamStore.Slot tokenSlot;
  private final ParamStore.Slot modalitySlot;
  private final ParamStore store;
  private final LayerNorm norm;
  private final int positionOffset;

  public static void declare(ParamStore.Layout layout, String prefix, int vocab, int maxPositions,
      int modalityCount, int hidden) {
    layout.add(prefix + ".token", vocab, hidden)
        .add(prefix + ".position", maxPositions, hidden)
        .add(prefix + ".modality", modalityCount, hidden);
    LayerNorm.declare(layout, prefix + ".ln", hidden);
  }

  /** Position t of a sequence reads row {@code positionOffset + t} of the position table. */
  public TokenEmbeddings(ParamStore store, String prefix, double eps, int positionOffset) {
    this.store = store;
    this.positionOffset = positionOffset;
    this.tokens = store.param(prefix + ".token");
    this.positions = store.param(prefix + ".position");
    this.modalities = store.param(prefix + ".modality");
    this.dPositions = store.grad(prefix + ".position");
    this.tokenSlot = store.slot(prefix + ".token");
    this.modalitySlot = store.slot(prefix + ".modality");
    this.norm = new LayerNorm(store, prefix + ".ln", eps);
  }

  /**
   * A batch's ids and types [B·L] (row-major, padded) → x [B·L, H]; media positions take their
   * patch embedding from {@code media} in place of a token row.
   */
  public void forward(TokenBatch tokenBatch, PatchEmbeddings media, INDArray x, Workspace ws) {
    int[] ids = tokenBatch.ids();
    int[] types = tokenBatch.types();
    int batch = tokenBatch.batch();
    int len = tokenBatch.len();
    long hidden = x.size(1);
    Nd4j.pullRows(tokens, x, 1, ids);
    if (tokenBatch.hasMedia()) {
      if (media == null) {
        throw new IllegalArgumentException("this model embeds text only; the batch has media"
            + " patches");
      }
      media.forward(tokenBatch, x, ws.child("media"));
    }
    INDArray byType = ws.view("types", (long) batch * len, hidden);
    Nd4j.pullRows(modalities, byType, 1, types);
    x.addi(byType);
    // Positions 0..L−1 read one contiguous block of the table, rows offset..offset+L−1: add it to
    // every sequence at once, viewing x as [B, L·H]. (Never reshape('c', n) with one dimension:
    // Java picks reshape(long rows, long cols) and makes it [99, n].)
    INDArray pos = positions.get(NDArrayIndex.interval(positionOffset, positionOffset + len),
        NDArrayIndex.all());
    RowOps.broadcastRow(pos.reshape(new long[] {(long) len * hidden}), x.reshape('c', batch,
        (long) len * hidden), 1.0);
    norm.forward(x, x, ws.child("ln"));
  }

  /** dx [B·L, H] → accumulates the table gradients (and the media towers'). */
  public void backward(TokenBatch tokenBatch, PatchEmbeddings media, INDArray dx, Workspace ws) {
    int batch = tokenBatch.batch();
    int len = tokenBatch.len();
    long hidden = dx.size(1);
    INDArray de = ws.view("de", dx.shape());
    norm.backward(dx, de, ws.child("ln"));
    RowOps.sumRows(de.reshape('c', batch, (long) len * hidden),
        dPositions.get(NDArrayIndex.interval(positionOffset, positionOffset + len),
            NDArrayIndex.all())
            .reshape(new long[] {(long) len * hidden}), 1.0);
    float[][] patches = tokenBatch.patches();
    scatterAdd(store, de, tokenBatch.ids(), tokenSlot, (int) hidden, patches);
    scatterAdd(store, de, tokenBatch.types(), modalitySlot, (int) hidden, null);
    if (tokenBatch.hasMedia()) {
      media.backward(tokenBatch, de, ws.child("media"));
    }
  }

  /**
   * grad[slot][rows[n]] += de[n] for every n whose {@code skip[n]} is null (all n when
   * {@code skip} is). de [N, hidden], contiguous.
   */
  static void scatterAdd(ParamStore store, INDArray de, int[] rows, ParamStore.Slot slot,
      int hidden, Object[] skip) {
    if (KernelPath.active() == KernelPath.FUSED) {
      fusedScatterAdd(store, de, rows, slot, hidden, skip);
    } else {
      opScatterAdd(store, de, rows, slot, skip);
    }
  }

  /** {@link #scatterAdd} as one pass of plain Java over the two host buffers. */
  static void fusedScatterAdd(ParamStore store, INDArray de, int[] rows, ParamStore.Slot slot,
      int hidden, Object[] skip) {
    long srcOffset = de.offset();
    if (store.gradBuffer() instanceof DoubleBuffer grad) {
      DoubleBuffer src = de.data().asNioDouble();
      for (int n = 0; n < rows.length; n++) {
        if (skip != null && skip[n] != null) {
          continue;
        }
        int dst = (int) (slot.offset() + (long) rows[n] * hidden);
        int from = (int) (srcOffset + (long) n * hidden);
        for (int c = 0; c < hidden; c++) {
          grad.put(dst + c, grad.get(dst + c) + src.get(from + c));
        }
      }
      return;
    }
    FloatBuffer grad = (FloatBuffer) store.gradBuffer();
    FloatBuffer src = de.data().asNioFloat();
    for (int n = 0; n < rows.length; n++) {
      if (skip != null && skip[n] != null) {
        continue;
      }
      int dst = (int) (slot.offset() + (long) rows[n] * hidden);
      int from = (int) (srcOffset + (long) n * hidden);
      for (int c = 0; c < hidden; c++) {
        grad.put(dst + c, grad.get(dst + c) + src.get(from + c));
      }
    }
  }

  /**
   * {@link #scatterAdd} in three ND4J ops, for any backend. Rows repeat (a token occurs many
   * times in a batch), and libnd4j's scatter_add either races on repeated rows (its parallel
   * form) or, with its lock argument, scans every index for every table element (on CUDA one
   * thread per element of a 30k-row table). So the repeats are summed first: the positions are
   * sorted by row on the host, their gradients gathered in that order (pullRows, [M, hidden]),
   * summed per distinct row (segment_sum, [U, hidden]), and added to the U distinct rows of the
   * table, which no longer repeat.
   */
  static void opScatterAdd(ParamStore store, INDArray de, int[] rows, ParamStore.Slot slot,
      Object[] skip) {
    int m = 0;
    for (int n = 0; n < rows.length; n++) {
      if (skip == null || skip[n] == null) {
        m++;
      }
    }
    if (m == 0) {
      return;
    }
    long[] keyed = new long[m];                  // row << 32 | position: sorted by row, then n
    int k = 0;
    for (int n = 0; n < rows.length; n++) {
      if (skip == null || skip[n] == null) {
        keyed[k++] = ((long) rows[n] << 32) | n;
      }
    }
    java.util.Arrays.sort(keyed);
    int[] order = new int[m];
    int[] segment = new int[m];
    int[] distinct = new int[m];
    int u = 0;
    for (int i = 0; i < m; i++) {
      int row = (int) (keyed[i] >>> 32);
      order[i] = (int) keyed[i];
      if (i == 0 || row != distinct[u - 1]) {
        distinct[u++] = row;
      }
      segment[i] = u - 1;
    }
    INDArray gathered = Nd4j.create(de.dataType(), m, de.size(1));
    Nd4j.pullRows(de, gathered, 1, order);
    INDArray summed = Nd4j.create(de.dataType(), u, de.size(1));
    Nd4j.exec(DynamicCustomOp.builder("segment_sum").addInputs(gathered,
        Nd4j.createFromArray(segment)).addOutputs(summed).build());
    INDArray table = store.grad(slot.name());   // [rows, hidden], a view of the flat buffer
    Nd4j.exec(DynamicCustomOp.builder("scatter_add").addInputs(table,
        Nd4j.createFromArray(java.util.Arrays.copyOf(distinct, u)), summed).addOutputs(table)
        .addBooleanArguments(false, false).build());
  }
}
