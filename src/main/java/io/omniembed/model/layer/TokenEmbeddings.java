package io.omniembed.model.layer;

import io.omniembed.model.ParamStore;
import io.omniembed.model.Workspace;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Input embeddings: x = LN(token[id] + position[t] + modality[type]), BERT's embedding block with
 * its token-type table serving as the modality table (row 0, text, is BERT's type 0).
 *
 * <p>Backward scatter-adds into the token and modality tables row by row (ids repeat, so a dense
 * gather-gradient op would race) and sums over the batch for the position table.
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

  public static void declare(ParamStore.Layout layout, String prefix, int vocab, int maxPositions,
      int modalityCount, int hidden) {
    layout.add(prefix + ".token", vocab, hidden)
        .add(prefix + ".position", maxPositions, hidden)
        .add(prefix + ".modality", modalityCount, hidden);
    LayerNorm.declare(layout, prefix + ".ln", hidden);
  }

  public TokenEmbeddings(ParamStore store, String prefix, double eps) {
    this.store = store;
    this.tokens = store.param(prefix + ".token");
    this.positions = store.param(prefix + ".position");
    this.modalities = store.param(prefix + ".modality");
    this.dPositions = store.grad(prefix + ".position");
    this.tokenSlot = store.slot(prefix + ".token");
    this.modalitySlot = store.slot(prefix + ".modality");
    this.norm = new LayerNorm(store, prefix + ".ln", eps);
  }

  /** ids and types [B·L] (row-major, padded) → x [B·L, H]. */
  public void forward(int[] ids, int[] types, int batch, int len, INDArray x, Workspace ws) {
    long hidden = x.size(1);
    Nd4j.pullRows(tokens, x, 1, ids);
    INDArray byType = ws.view("types", (long) batch * len, hidden);
    Nd4j.pullRows(modalities, byType, 1, types);
    x.addi(byType);
    // Positions 0..L−1 are one contiguous block of the table: add it to every sequence at once,
    // viewing x as [B, L·H]. (Never reshape('c', n) with one dimension: Java picks
    // reshape(long rows, long cols) and makes it [99, n].)
    INDArray pos = positions.get(NDArrayIndex.interval(0, len), NDArrayIndex.all());
    RowOps.broadcastRow(pos.reshape(new long[] {(long) len * hidden}), x.reshape('c', batch,
        (long) len * hidden), 1.0);
    norm.forward(x, x, ws.child("ln"));
    ws.keep("ids", Nd4j.createFromArray(ids));
    ws.keep("types", Nd4j.createFromArray(types));
  }

  /** dx [B·L, H] → accumulates the table gradients. */
  public void backward(INDArray dx, int batch, int len, Workspace ws) {
    long hidden = dx.size(1);
    INDArray de = ws.view("de", dx.shape());
    norm.backward(dx, de, ws.child("ln"));
    RowOps.sumRows(de.reshape('c', batch, (long) len * hidden),
        dPositions.get(NDArrayIndex.interval(0, len), NDArrayIndex.all())
            .reshape(new long[] {(long) len * hidden}), 1.0);
    scatterAdd(de, ws.kept("ids").toIntVector(), tokenSlot, (int) hidden);
    scatterAdd(de, ws.kept("types").toIntVector(), modalitySlot, (int) hidden);
  }

  /** grad[slot][rows[n]] += de[n]: one pass of plain Java over the two direct buffers. */
  private void scatterAdd(INDArray de, int[] rows, ParamStore.Slot slot, int hidden) {
    long srcOffset = de.offset();
    if (store.gradBuffer() instanceof DoubleBuffer grad) {
      DoubleBuffer src = de.data().asNioDouble();
      for (int n = 0; n < rows.length; n++) {
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
      int dst = (int) (slot.offset() + (long) rows[n] * hidden);
      int from = (int) (srcOffset + (long) n * hidden);
      for (int c = 0; c < hidden; c++) {
        grad.put(dst + c, grad.get(dst + c) + src.get(from + c));
      }
    }
  }
}
