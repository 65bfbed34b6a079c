package io.omniembed.io;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the vectors of an embeddings file are stored ({@code embed --output-precision}). The
 * vector is L2-normalised (and Matryoshka-truncated) in float32 first; the precision only decides
 * how its components are written:
 * <ul>
 *   <li>{@link #FLOAT32}: 4 bytes a component, exact.</li>
 *   <li>{@link #FLOAT16}: IEEE 754 half precision (2 bytes, round to nearest even), the Parquet
 *       {@code FLOAT16} logical type; a component of a unit vector is off by at most 2^-12.</li>
 *   <li>{@link #INT8}: {@code q = round(x * 127)}, clamped to [-127, 127], so
 *       {@code x ≈ q * }{@link #INT8_SCALE} (error at most 0.5/127; components of a unit vector
 *       lie in [-1, 1], so nothing is clamped in practice). Symmetric, so 0 stays 0 and -128 is
 *       never used.</li>
 *   <li>{@link #BINARY}: one sign bit a component, 1 where {@code x > 0}, packed 8 to a byte with
 *       the first component in the most significant bit (numpy's {@code packbits}, the layout of
 *       sentence-transformers' {@code ubinary}); the last byte is padded with 0 bits, and the row's
 *       {@code bits} field says how many bits are components. Hamming distance on these bytes
 *       approximates angular distance.</li>
 * </ul>
 */
public enum OutputPrecision {
  FLOAT32, FLOAT16, INT8, BINARY;

  /** {@code x ≈ q * INT8_SCALE} for an int8 component {@code q}. */
  public static final double INT8_SCALE = 1.0 / 127;

  /** The option value: {@code float32}, {@code float16}, {@code int8} or {@code binary}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The precision named {@code key}; fails naming the values it takes. */
  public static OutputPrecision parse(String key) {
    for (OutputPrecision p : values()) {
      if (p.key().equals(key)) {
        return p;
      }
    }
    throw new IllegalArgumentException("--output-precision must be one of "
        + Arrays.stream(values()).map(OutputPrecision::key).collect(Collectors.joining(", "))
        + "; got '" + key + "'");
  }

  /** The factor that turns stored values back into components; null where none applies. */
  public Double scale() {
    return this == INT8 ? INT8_SCALE : null;
  }

  /** A line for the file metadata and the summary that says how to read the stored values. */
  public String encoding() {
    return switch (this) {
      case FLOAT32 -> "IEEE 754 single precision";
      case FLOAT16 -> "IEEE 754 half precision, rounded to nearest even";
      case INT8 -> "q = round(x * 127) clamped to [-127, 127]; x = q * scale";
      case BINARY -> "bit = 1 where x > 0, packed 8 per byte, first component in the most"
          + " significant bit; bits gives the count";
    };
  }

  /** {@code x} as an int8 component. */
  public static byte toInt8(float x) {
    return (byte) Math.max(-127, Math.min(127, Math.round(x * 127f)));
  }

  /** The signs of {@code v}, packed most significant bit first: {@code ceil(length / 8)} bytes. */
  public static byte[] packSigns(float[] v) {
    byte[] out = new byte[(v.length + 7) / 8];
    for (int i = 0; i < v.length; i++) {
      if (v[i] > 0) {
        out[i >> 3] |= (byte) (0x80 >>> (i & 7));
      }
    }
    return out;
  }

  /** Bit {@code i} of {@link #packSigns} output: true where the component was positive. */
  public static boolean sign(byte[] packed, int i) {
    return (packed[i >> 3] & (0x80 >>> (i & 7))) != 0;
  }

  /**
   * {@code x} as the bits of an IEEE 754 half-precision float, rounded to nearest even: values
   * past 65504 become infinity, values below 2^-24 become subnormal or zero, NaN stays NaN.
   * (Java 17 has no {@code Float.floatToFloat16}; it arrived in Java 20.)
   */
  public static short toFloat16(float x) {
    int bits = Float.floatToRawIntBits(x);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = (bits >>> 23) & 0xff;
    int mantissa = bits & 0x7fffff;
    if (exponent == 0xff) {   // infinity, or NaN (kept a quiet NaN)
      return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
    }
    int e = exponent - 127 + 15;   // the half-precision biased exponent
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {   // subnormal in half precision: m * 2^-24 with m = (1.mantissa) * 2^(e - 14)
      if (e < -10) {
        return (short) sign;   // below 2^-25: rounds to zero
      }
      return (short) (sign | roundShift(mantissa | 0x800000, 14 - e));
    }
    // a carry out of the 10 mantissa bits moves into the exponent, as it should (up to infinity)
    return (short) (sign | ((e << 10) + roundShift(mantissa, 13)));
  }

  /** {@code value >> shift}, rounded to nearest, ties to even. */
  private static int roundShift(int value, int shift) {
    int kept = value >>> shift;
    int rest = value & ((1 << shift) - 1);
    int half = 1 << (shift - 1);
    return rest > half || (rest == half && (kept & 1) == 1) ? kept + 1 : kept;
  }

  /** The float value of half-precision bits {@code h}. */
  public static float fromFloat16(short h) {
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    if (exponent == 0) {   // zero or subnormal: mantissa * 2^-24
      float magnitude = mantissa * 0x1p-24f;
      return sign != 0 ? -magnitude : magnitude;
    }
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }
}
