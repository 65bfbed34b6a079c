package io.omniembed.train;

import io.omniembed.data.Seeds;

/**
 * A seeded pseudo-random permutation of {0 .. n−1} that can be evaluated in both directions one
 * element at a time, in O(1) memory: a 4-round Feistel network over the smallest even number of
 * bits covering n, with cycle walking to stay below n (Black &amp; Rogaway, 2002, "Ciphers with
 * arbitrary finite domains"). The sampler uses {@link #apply} to draw a batch; a worker that holds
 * a row uses {@link #inverse} to find where in the epoch that row is drawn, without materialising
 * the epoch's order.
 */
public final class Permutation {

  private static final int ROUNDS = 4;

  private final long n;
  private final long key;
  private final int halfBits;
  private final long halfMask;

  public Permutation(long n, long key) {
    if (n < 1) {
      throw new IllegalArgumentException("permutation of " + n + " elements");
    }
    int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(n - 1));
    bits += bits % 2;
    this.n = n;
    this.key = key;
    this.halfBits = bits / 2;
    this.halfMask = (1L << halfBits) - 1;
  }

  /** The element at position {@code i}. */
  public long apply(long i) {
    check(i);
    long x = encrypt(i);
    while (x >= n) {   // the domain is < 4n, so this loops fewer than 4 times on average
      x = encrypt(x);
    }
    return x;
  }

  /** The position of element {@code x}: {@code inverse(apply(i)) == i}. */
  public long inverse(long x) {
    check(x);
    long i = decrypt(x);
    while (i >= n) {
      i = decrypt(i);
    }
    return i;
  }

  private long encrypt(long v) {
    long left = v >>> halfBits;
    long right = v & halfMask;
    for (int r = 0; r < ROUNDS; r++) {
      long next = left ^ (Seeds.mix(key, r, right) & halfMask);
      left = right;
      right = next;
    }
    return (left << halfBits) | right;
  }

  private long decrypt(long v) {
    long left = v >>> halfBits;
    long right = v & halfMask;
    for (int r = ROUNDS - 1; r >= 0; r--) {
      long previous = right ^ (Seeds.mix(key, r, left) & halfMask);
      right = left;
      left = previous;
    }
    return (left << halfBits) | right;
  }

  private void check(long i) {
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException(i + " outside 0.." + (n - 1));
    }
  }
}
