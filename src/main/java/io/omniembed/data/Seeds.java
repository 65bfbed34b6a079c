package io.omniembed.data;

/**
 * Derives every random choice of a run from (seed, step, ...) instead of a stateful generator, so
 * that a run resumed at step s makes exactly the choices an uninterrupted run makes.
 */
public final class Seeds {

  private Seeds() {}

  /** SplitMix64 over the values in turn. */
  public static long mix(long... values) {
    long h = 0x9E3779B97F4A7C15L;
    for (long v : values) {
      h += v + 0x9E3779B97F4A7C15L;
      h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
      h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
      h ^= h >>> 31;
    }
    return h;
  }
}
