package io.omniembed.model.layer;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Attention's scaled, masked softmax over keys and its backward, on scores [B, heads, L, L] with
 * a per-key mask bias [B, L] (0 for a real token, −10⁹ for padding):
 * <pre>
 *   P = softmax_keys(S·scale + maskBias)
 *   dS = scale · P ⊙ (dP − Σ_keys dP ⊙ P)
 * </pre>
 * The fused path works one [L, L] block (a sequence and head) at a time: five ND4J ops forward and
 * six backward become one pass each, the exponential in SIMD-compiled loops ({@link
 * Elementwise#expNonPositive}). The reference path, the chain of ND4J ops, serves other
 * precisions and device backends and is the baseline of the parity test.
 */
public final class MaskedSoftmax {

  private MaskedSoftmax() {}

  /** scores → probabilities, in place. */
  public static void forward(INDArray scores, INDArray maskBias, double scale) {
    if (Elementwise.supports(scores, maskBias)) {
      fusedForward(scores, maskBias, (float) scale);
      return;
    }
    referenceForward(scores, maskBias, scale);
  }

  /** dProbs → dScores, in place, from the forward's probabilities. */
  public static void backward(INDArray probs, INDArray dProbs, double scale, Workspace ws) {
    if (Elementwise.supports(probs, dProbs)) {
      fusedBackward(probs, dProbs, (float) scale);
      return;
    }
    referenceBackward(probs, dProbs, scale, ws);
  }

  private static void fusedForward(INDArray scores, INDArray maskBias, float scale) {
    int heads = (int) scores.size(1);
    int len = (int) scores.size(2);
    int block = len * len;
    FloatBuffer sb = scores.data().asNioFloat();
    FloatBuffer mb = maskBias.data().asNioFloat();
    long so = scores.offset();
    long mo = maskBias.offset();
    Elementwise.rows(scores.size(0) * heads, block, (from, to) -> {
      float[] s = new float[block];
      float[] scratch = new float[block];
      float[] mask = new float[len];
      for (long bh = from; bh < to; bh++) {
        sb.get((int) (so + bh * block), s, 0, block);
        mb.get((int) (mo + (bh / heads) * len), mask, 0, len);
        for (int r = 0; r < len; r++) {
          int base = r * len;
          float max = Float.NEGATIVE_INFINITY;
          for (int c = 0; c < len; c++) {
            float v = s[base + c] * scale + mask[c];
            s[base + c] = v;
            max = Math.max(max, v);
          }
          for (int c = 0; c < len; c++) {
            s[base + c] -= max;
          }
        }
        Elementwise.expNonPositive(s, scratch, block);
        for (int r = 0; r < len; r++) {
          int base = r * len;
          float inv = 1f / Elementwise.sum(s, base, len);
          for (int c = 0; c < len; c++) {
            s[base + c] *= inv;
          }
        }
        sb.put((int) (so + bh * block), s, 0, block);
      }
      return null;
    });
  }

  private static void fusedBackward(INDArray probs, INDArray dProbs, float scale) {
    int len = (int) probs.size(2);
    int block = len * len;
    FloatBuffer pb = probs.data().asNioFloat();
    FloatBuffer db = dProbs.data().asNioFloat();
    long po = probs.offset();
    long dof = dProbs.offset();
    Elementwise.rows(probs.size(0) * probs.size(1), block, (from, to) -> {
      float[] p = new float[block];
      float[] d = new float[block];
      for (long bh = from; bh < to; bh++) {
        pb.get((int) (po + bh * block), p, 0, block);
        db.get((int) (dof + bh * block), d, 0, block);
        for (int r = 0; r < len; r++) {
          int base = r * len;
          float dot = Elementwise.dot(d, p, base, len);
          for (int c = 0; c < len; c++) {
            d[base + c] = scale * p[base + c] * (d[base + c] - dot);
          }
        }
        db.put((int) (dof + bh * block), d, 0, block);
      }
      return null;
    });
  }

  static void referenceForward(INDArray scores, INDArray maskBias, double scale) {
    scores.muli(scale);
    Nd4j.exec(new BroadcastAddOp(scores, maskBias, scores, 0, 3));
    Nd4j.exec(new SoftMax(scores, scores, 3));
  }

  static void referenceBackward(INDArray probs, INDArray dProbs, double scale, Workspace ws) {
    INDArray pdp = ws.view("pdp", probs.shape());
    pdp.assign(dProbs).muli(probs);
    INDArray rowDot = pdp.sum(3);                              // [B, heads, L]
    Nd4j.exec(new BroadcastSubOp(dProbs, rowDot, dProbs, 0, 1, 2));
    dProbs.muli(probs).muli(scale);
  }
}
