package io.omniembed.model.layer;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Reusable activation buffers, keyed by name: {@link #view} returns a contiguous c-order view of
 * the requested shape over a buffer that only grows. Batches of varying shape (length-sorted
 * inference batches) therefore allocate once per new maximum, not once per op.
 *
 * <p>A workspace belongs to one thread at a time. Layers also park references here (inputs they
 * need again in backward) with {@link #keep}/{@link #kept}.
 */
public final class Workspace {

  private final Map<String, INDArray> buffers = new HashMap<>();
  private final Map<String, INDArray> kept = new HashMap<>();
  private final Map<String, Workspace> children = new HashMap<>();
  private final DataType dataType;

  public Workspace() {
    this(DataType.FLOAT);
  }

  /** A workspace in another precision (DOUBLE for gradient checks). */
  public Workspace(DataType dataType) {
    this.dataType = dataType;
  }

  public DataType dataType() {
    return dataType;
  }

  /** A contiguous [shape] view over buffer {@code key}; its previous contents are undefined. */
  public INDArray view(String key, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    INDArray buf = buffers.get(key);
    if (buf == null || buf.length() < n) {
      long capacity = buf == null ? n : Math.max(n, buf.length() + buf.length() / 4);
      buf = Nd4j.create(dataType, capacity);
      buffers.put(key, buf);
    }
    INDArray range = buf.length() == n ? buf : buf.get(NDArrayIndex.interval(0, n));
    return range.reshape('c', shape);
  }

  public void keep(String key, INDArray array) {
    kept.put(key, array);
  }

  public INDArray kept(String key) {
    INDArray a = kept.get(key);
    if (a == null) {
      throw new IllegalStateException("backward before forward: nothing kept under " + key);
    }
    return a;
  }

  /** A nested workspace (one per layer in training, so each keeps its own activations). */
  public Workspace child(String name) {
    return children.computeIfAbsent(name, k -> new Workspace(dataType));
  }

}
