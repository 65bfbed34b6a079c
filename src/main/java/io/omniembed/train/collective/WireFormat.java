package io.omniembed.train.collective;

/**
 * How gradient values travel between workers in a range all-reduce.
 *
 * <p>{@link #BF16} sends the upper 16 bits of each float32 (bfloat16: 8 exponent bits, 7
 * explicit mantissa bits), rounded to nearest, ties to even. It halves the bytes; each rounding
 * has a relative error of at most u = 2^-8 (the exponent range is float32's, so nothing flushes
 * to zero; only values within 2^-8 of float32's largest round up to infinity). In the ring a partial sum is rounded before each of the W−1 hops that
 * carry it, and the complete sum once more before it is passed around, so with the partial sums
 * s_1 = x_{c}, s_h = s_{h−1} + x_{c+h−1} of the chain order the error of an element is at most
 * u·(|s_1| + … + |s_W|) ≤ W·u·Σ_r |x_r| to first order (plus float32's 2^-24 per addition).
 * Every worker ends with the same bits: the worker that completes a sum keeps the rounded value
 * it sends.
 */
public enum WireFormat {
  /** Float32 as computed: exact, 4 bytes an element. */
  FP32(4),
  /** bfloat16, round to nearest even: 2 bytes an element. */
  BF16(2);

  /** The largest relative error of one {@link #BF16} rounding: 2^-8. */
  public static final double BF16_UNIT_ROUNDOFF = 0x1p-8;

  private final int bytes;

  WireFormat(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes one element takes on the wire. */
  public int bytesPerElement() {
    return bytes;
  }

  /** The nearest bfloat16 of {@code f} (ties to even), as its 16 bits; NaN stays NaN. */
  public static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x40);   // keep it a (quiet) NaN after truncation
    }
    int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  /** The float32 value of bfloat16 bits {@code h}. */
  public static float fromBf16(short h) {
    return Float.intBitsToFloat((h & 0xffff) << 16);
  }

  /** {@code f} rounded to the nearest bfloat16, as a float32. */
  public static float roundToBf16(float f) {
    return fromBf16(toBf16(f));
  }
}
