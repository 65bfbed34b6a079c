package io.omniembed.data.media;

/**
 * A sequence of {@code count} patches of {@code dim} values each, row-major in {@code values},
 * with each patch's time step ({@code time[i]}: the frame of a video patch, the position of an
 * audio patch; 0 for images), for the encoder's time embedding.
 */
public record Patches(int count, int dim, float[] values, int[] time) {

  public Patches {
    if (values.length != (long) count * dim || time.length != count) {
      throw new IllegalArgumentException("patches: " + values.length + " values and "
          + time.length + " times for " + count + " x " + dim);
    }
  }

  /** Patch {@code i}'s values (a copy). */
  public float[] patch(int i) {
    float[] p = new float[dim];
    System.arraycopy(values, i * dim, p, 0, dim);
    return p;
  }

  /** The first {@code n} patches (a length limit), or this when there are no more than n. */
  public Patches first(int n) {
    if (n >= count) {
      return this;
    }
    float[] v = new float[n * dim];
    System.arraycopy(values, 0, v, 0, v.length);
    int[] t = new int[n];
    System.arraycopy(time, 0, t, 0, n);
    return new Patches(n, dim, v, t);
  }
}
