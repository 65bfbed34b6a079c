package io.omniembed.model.layer;

import java.util.Locale;

/**
 * Which implementation the layers' fused kernels run: GELU ({@link Gelu}), {@link LayerNorm},
 * the scatter-add of the embedding tables' gradients ({@link TokenEmbeddings}) and the copy of
 * patch embeddings into the sequence ({@link PatchEmbeddings}).
 * <ul>
 *   <li>{@code FUSED}: plain Java over the arrays' host buffers (NIO), one pass per kernel, 3–5×
 *       faster than the op chains on the CPU. On a device backend an array's host buffer is a copy
 *       of device memory that is stale or not even allocated, so this path runs on the CPU
 *       backend only.</li>
 *   <li>{@code ND4J}: the same arithmetic as chains of ND4J ops, which run wherever the backend
 *       runs them (on the GPU with CUDA). On the CPU they are the reference the fused kernels are
 *       tested against.</li>
 * </ul>
 * A JVM runs {@code FUSED} on the CPU backend and {@code ND4J} on any other; the system property
 * {@code -Domniembed.kernels=nd4j} forces the op chains on the CPU too (to compare, or to run the
 * exact code a GPU runs), and {@code =fused} on a device backend is refused.
 */
public enum KernelPath {
  FUSED, ND4J;

  /** The system property that chooses the path; read once, on first use. */
  public static final String PROPERTY = "omniembed.kernels";

  private static volatile KernelPath active;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The path for the value of {@link #PROPERTY} (null when unset) on {@code backend}. */
  static KernelPath choose(String property, Backend backend) {
    if (property == null || property.isBlank()) {
      return backend == Backend.CPU ? FUSED : ND4J;
    }
    for (KernelPath p : values()) {
      if (p.key().equals(property.strip())) {
        if (p == FUSED && backend != Backend.CPU) {
          throw new IllegalArgumentException("-D" + PROPERTY + "=fused reads and writes host"
              + " buffers and runs on ND4J's CPU backend only; this JVM runs "
              + backend.name().toLowerCase(Locale.ROOT) + ": leave the property out or give nd4j");
        }
        return p;
      }
    }
    throw new IllegalArgumentException("-D" + PROPERTY + " takes fused or nd4j, not '" + property
        + "'");
  }

  /** The path of this JVM. */
  public static KernelPath active() {
    KernelPath p = active;
    if (p == null) {
      p = choose(System.getProperty(PROPERTY), Backend.active());
      active = p;
    }
    return p;
  }

  /**
   * Runs the layers on {@code path} from now on and returns the previous one: for the parity
   * tests, which compare both paths in one JVM. Not for concurrent use with running layers.
   */
  static KernelPath use(KernelPath path) {
    KernelPath previous = active();
    if (path == FUSED && Backend.active() != Backend.CPU) {
      throw new IllegalStateException("the fused kernels run on ND4J's CPU backend only");
    }
    active = path;
    return previous;
  }
}
