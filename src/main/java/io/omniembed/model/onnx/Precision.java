package io.omniembed.model.onnx;

import java.util.Locale;

/**
 * The number format of an exported graph's weights: {@code fp32} as trained, or {@code int8}
 * (dynamic quantisation: every MatMul weight 8-bit with one symmetric scale per output channel,
 * activations quantised per token at run time; see {@link Int8Weights} and {@link
 * EncoderGraph}).
 */
public enum Precision {
  FP32,
  INT8;

  /** The name on the command line and in {@code omniembed.json}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code --precision}, naming the accepted values when it is neither. */
  public static Precision parse(String value) {
    for (Precision p : values()) {
      if (p.key().equals(value)) {
        return p;
      }
    }
    throw new IllegalArgumentException("--precision takes fp32 or int8, not '" + value + "'");
  }
}
