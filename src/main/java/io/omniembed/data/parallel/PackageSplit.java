package io.omniembed.data.parallel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The held-out split of {@code make-parallel}, by package: a package is held out when the first 8
 * bytes of the SHA-256 of its name, as a fraction of 2^64, fall below {@code fraction}. Every
 * language of a package lands on the same side, the split is the same on every machine and
 * for any set of installed packages, and no held-out pair shares a package with a training pair.
 */
public record PackageSplit(double fraction) implements java.io.Serializable {

  public PackageSplit {
    if (!(fraction >= 0 && fraction < 1)) {
      throw new IllegalArgumentException("--holdout-fraction must be in [0, 1), got " + fraction);
    }
  }

  /** Whether the package's pairs are held out. */
  public boolean heldOut(String pkg) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(pkg.getBytes(StandardCharsets.UTF_8));
      long v = ByteBuffer.wrap(h, 0, 8).getLong();
      // Unsigned 64-bit value / 2^64, in [0, 1).
      double u = ((v >>> 11) * 0x1.0p-53);
      return u < fraction;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
