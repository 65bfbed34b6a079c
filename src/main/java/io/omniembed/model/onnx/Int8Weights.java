package io.omniembed.model.onnx;

/**
 * A MatMul weight W [in, out] quantised to 8 bits, symmetric, with one scale per output channel
 * (column) — the weight half of the int8 graph's dynamic quantisation:
 * <pre>
 *   s_j = max_i |W[i, j]| / 127          (1 for an all-zero column)
 *   q[i, j] = round(W[i, j] / s_j)       in [−127, 127]
 *   W[i, j] ≈ s_j · q[i, j]
 * </pre>
 * The graph stores q + 128 as uint8 with zero point 128 ({@link #offsetBinary}), not q as int8:
 * ONNX Runtime's uint8 × int8 kernels on x86 without AVX-VNNI sum pairs of products in int16
 * (vpmaddubsw), which saturates for large activations; uint8 × uint8 widens first and is exact
 * on every CPU. Measured on all-MiniLM-L6-v2 (120 texts, per-row activations): worst cosine to
 * the fp32 encoder 0.9886 with int8 weights, 0.9928 with uint8 — the same integers, no
 * saturation.
 *
 * @param values q, row-major [in, out]
 * @param scales s, one per output column [out]
 */
public record Int8Weights(int in, int out, byte[] values, float[] scales) {

  /** The zero point of the stored weights and of the run-time activations. */
  public static final byte ZERO_POINT = (byte) 128;

  public static Int8Weights quantize(float[] w, int in, int out) {
    if (w.length != (long) in * out) {
      throw new IllegalArgumentException(w.length + " weights for [" + in + ", " + out + "]");
    }
    float[] scales = new float[out];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        scales[j] = Math.max(scales[j], Math.abs(w[i * out + j]));
      }
    }
    for (int j = 0; j < out; j++) {
      scales[j] = scales[j] == 0f ? 1f : scales[j] / 127f;
    }
    byte[] q = new byte[w.length];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        long r = Math.round(w[i * out + j] / scales[j]);
        q[i * out + j] = (byte) Math.max(-127, Math.min(127, r));
      }
    }
    return new Int8Weights(in, out, q, scales);
  }

  /** q + 128 as the bytes of a uint8 tensor with zero point {@link #ZERO_POINT}. */
  public byte[] offsetBinary() {
    byte[] u = new byte[values.length];
    for (int i = 0; i < u.length; i++) {
      u[i] = (byte) (values[i] + 128);
    }
    return u;
  }

  /** s_j·q[i, j]: the weights the int8 graph computes with (tests). */
  public float[] dequantize() {
    float[] w = new float[values.length];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        w[i * out + j] = scales[j] * values[i * out + j];
      }
    }
    return w;
  }
}
