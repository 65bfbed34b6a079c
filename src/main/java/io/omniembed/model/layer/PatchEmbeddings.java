package io.omniembed.model.layer;

import io.omniembed.config.MediaSpec;
import io.omniembed.data.Modality;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The media towers' input layer: each media position's patch is projected into the model width
 * by its modality's own linear map (trained), and a video patch adds its frame's row of the time
 * table. The result takes the place of the token embedding at that position; modality-type and
 * position embeddings are added after, as for text.
 *
 * <pre>
 *   x[t] = P_m[t]·W_m + b_m (+ time[frame(t)] for video)     m = the position's modality
 * </pre>
 *
 * <p>Backward: for each modality, dW_m += P_mᵀ·dX_m, db_m += Σ dX_m (one GEMM over all its
 * positions in the batch), and the time table's rows get a scatter-add.
 */
public final class PatchEmbeddings {

  private static final Modality[] MEDIA = {Modality.IMAGE, Modality.AUDIO, Modality.VIDEO};

  private final Linear[] towers = new Linear[MEDIA.length];
  private final INDArray time;
  private final ParamStore.Slot timeSlot;
  private final ParamStore store;

  /** Declares the towers of {@code spec}, each mapping its patch width to {@code hidden}. */
  public static void declare(ParamStore.Layout layout, String prefix, MediaSpec spec,
      int hidden) {
    Linear.declare(layout, prefix + ".image", spec.image().patchDim(), hidden);
    Linear.declare(layout, prefix + ".audio", spec.audio().patchDim(), hidden);
    Linear.declare(layout, prefix + ".video", spec.video().image().patchDim(), hidden);
    layout.add(prefix + ".time", spec.videoFrames(), hidden);
  }

  public PatchEmbeddings(ParamStore store, String prefix) {
    this.store = store;
    for (int m = 0; m < MEDIA.length; m++) {
      towers[m] = new Linear(store, prefix + "." + MEDIA[m].key());
    }
    this.time = store.param(prefix + ".time");
    this.timeSlot = store.slot(prefix + ".time");
  }

  /** Overwrites the rows of {@code x} [B·L, H] at the batch's media positions. */
  public void forward(TokenBatch batch, INDArray x, Workspace ws) {
    for (int m = 0; m < MEDIA.length; m++) {
      int[] rows = rows(batch, MEDIA[m]);
      if (rows.length == 0) {
        continue;
      }
      Linear tower = towers[m];
      INDArray p = ws.view("patches." + m, rows.length, tower.in());
      float[][] values = new float[rows.length][];
      for (int i = 0; i < rows.length; i++) {
        values[i] = batch.patches()[rows[i]];
        if (values[i].length != tower.in()) {
          throw new IllegalArgumentException(MEDIA[m].key() + " patch of " + values[i].length
              + " values; the model's " + MEDIA[m].key() + " tower takes " + tower.in());
        }
      }
      p.assign(Nd4j.createFromArray(values).castTo(p.dataType()));
      INDArray e = ws.view("embedded." + m, rows.length, tower.out());
      tower.forward(p, e);
      if (MEDIA[m] == Modality.VIDEO) {
        INDArray t = ws.view("time", rows.length, tower.out());
        Nd4j.pullRows(time, t, 1, frames(batch, rows));
        e.addi(t);
      }
      copyRows(e, x, rows);
      ws.keep("p." + m, p);
    }
  }

  /** Accumulates the towers' and time table's gradients from de [B·L, H]. */
  public void backward(TokenBatch batch, INDArray de, Workspace ws) {
    for (int m = 0; m < MEDIA.length; m++) {
      int[] rows = rows(batch, MEDIA[m]);
      if (rows.length == 0) {
        continue;
      }
      INDArray d = ws.view("d." + m, rows.length, de.size(1));
      Nd4j.pullRows(de, d, 1, rows);
      towers[m].backward(ws.kept("p." + m), d, null);
      if (MEDIA[m] == Modality.VIDEO) {
        TokenEmbeddings.scatterAdd(store, d, frames(batch, rows), timeSlot, (int) de.size(1),
            null);
      }
    }
  }

  /** Positions of modality {@code m} that carry a patch, in batch order. */
  static int[] rows(TokenBatch batch, Modality m) {
    if (!batch.hasMedia()) {
      return new int[0];
    }
    int count = 0;
    for (int i = 0; i < batch.types().length; i++) {
      if (batch.patches()[i] != null && batch.types()[i] == m.typeId()) {
        count++;
      }
    }
    int[] rows = new int[count];
    int n = 0;
    for (int i = 0; i < batch.types().length; i++) {
      if (batch.patches()[i] != null && batch.types()[i] == m.typeId()) {
        rows[n++] = i;
      }
    }
    return rows;
  }

  private int[] frames(TokenBatch batch, int[] rows) {
    int[] f = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      f[i] = batch.times()[rows[i]];
      if (f[i] < 0 || f[i] >= time.size(0)) {
        throw new IllegalArgumentException("video frame " + f[i] + " outside the model's "
            + time.size(0) + " time steps");
      }
    }
    return f;
  }

  /** dst[rows[i]] = src[i] for every i; src [rows.length, W], dst [N, W], rows distinct. */
  static void copyRows(INDArray src, INDArray dst, int[] rows) {
    if (KernelPath.active() == KernelPath.FUSED) {
      fusedCopyRows(src, dst, rows);
    } else {
      // One scatter_upd; the rows are distinct (a position holds one patch), so its parallel
      // form has no race.
      Nd4j.exec(DynamicCustomOp.builder("scatter_upd").addInputs(dst,
          Nd4j.createFromArray(rows), src).addOutputs(dst).build());
    }
  }

  /** {@link #copyRows} in plain Java over the two host buffers. */
  static void fusedCopyRows(INDArray src, INDArray dst, int[] rows) {
    int width = (int) src.size(1);
    long from = src.offset();
    long to = dst.offset();
    if (src.dataType() == DataType.DOUBLE) {
      DoubleBuffer s = src.data().asNioDouble();
      DoubleBuffer d = dst.data().asNioDouble();
      for (int i = 0; i < rows.length; i++) {
        for (int c = 0; c < width; c++) {
          d.put((int) (to + (long) rows[i] * width + c), s.get((int) (from + (long) i * width + c)));
        }
      }
      return;
    }
    FloatBuffer s = src.data().asNioFloat();
    FloatBuffer d = dst.data().asNioFloat();
    for (int i = 0; i < rows.length; i++) {
      for (int c = 0; c < width; c++) {
        d.put((int) (to + (long) rows[i] * width + c), s.get((int) (from + (long) i * width + c)));
      }
    }
  }
}
