package io.omniembed.model;

/**
 * Matryoshka representations (Kusupati et al., 2022): the first k dimensions of an embedding are
 * themselves an embedding once re-normalised. {@code embed --dim k} and {@code eval --dim k} use
 * this.
 */
public final class Matryoshka {

  private Matryoshka() {}

  /** The first {@code dim} components of {@code v}, L2-normalised (a new array). */
  public static float[] truncate(float[] v, int dim) {
    if (dim <= 0 || dim > v.length) {
      throw new IllegalArgumentException("dimension " + dim + " outside 1.." + v.length);
    }
    double norm = 0;
    for (int i = 0; i < dim; i++) {
      norm += (double) v[i] * v[i];
    }
    norm = Math.sqrt(norm);
    float[] out = new float[dim];
    if (norm == 0) {
      return out;
    }
    for (int i = 0; i < dim; i++) {
      out[i] = (float) (v[i] / norm);
    }
    return out;
  }
}
