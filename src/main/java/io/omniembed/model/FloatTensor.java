package io.omniembed.model;

import java.util.Arrays;

/**
 * A named float32 tensor as read from a weights file: its dims and its values in row-major
 * order. The common currency of the weight readers ({@link Safetensors}, {@link
 * OnnxInitializers}) and the import that maps them onto an encoder ({@link HfWeightMapping}).
 */
public record FloatTensor(String name, long[] dims, float[] values) {

  public FloatTensor {
    long count = 1;
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("tensor " + name + " has a negative dimension "
            + Arrays.toString(dims));
      }
      count *= d;
    }
    if (count != values.length) {
      throw new IllegalArgumentException("tensor " + name + " has " + values.length
          + " values for dims " + Arrays.toString(dims));
    }
  }

  /** The transpose of this matrix: PyTorch's Linear stores [out, in], the project's [in, out]. */
  public FloatTensor transposed() {
    if (dims.length != 2) {
      throw new IllegalArgumentException("tensor " + name + " is not a matrix: dims "
          + Arrays.toString(dims));
    }
    int rows = (int) dims[0];
    int cols = (int) dims[1];
    float[] t = new float[values.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = values[r * cols + c];
      }
    }
    return new FloatTensor(name, new long[] {cols, rows}, t);
  }

  /** The dims as a list string, "[30522, 384]", for messages. */
  public String shape() {
    return Arrays.toString(dims);
  }
}
