package io.omniembed.model.layer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * All parameters of a model in one flat float buffer, and all their gradients in a second buffer
 * of the same layout; every layer works on named views into them (as DL4J's own networks do).
 *
 * <p>One buffer makes the things that touch every parameter one operation each: zeroing the
 * gradients, the optimizer update, averaging gradients across workers (a later collective
 * all-reduces {@link #grads()} as a whole), hashing and saving a checkpoint.
 *
 * <p>On a device backend (CUDA) the buffers and their views live in device memory and every
 * layer works on them there: views of one flat buffer are plain ND4J views on any backend. What
 * does not carry over is direct host access: {@link #gradBuffer} is a host copy, made current
 * by {@link #gradsToHost} (a device-to-host copy of every gradient) and handed back by {@link
 * #gradsFromHost}. The collectives are host-staged this way: one transfer each way per step, and
 * no overlap of the all-reduce with the backward pass, which writes the device copy.
 */
public final class ParamStore {

  /** Where one named parameter lives in the flat buffer. */
  public record Slot(String name, long offset, long[] shape) {
    public long size() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    @Override
    public String toString() {
      return name + Arrays.toString(shape) + "@" + offset;
    }
  }

  /** Collects the slots of a model before its buffers are allocated. */
  public static final class Layout {
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private long total;

    public Layout add(String name, long... shape) {
      if (slots.containsKey(name)) {
        throw new IllegalArgumentException("duplicate parameter name " + name);
      }
      Slot slot = new Slot(name, total, shape.clone());
      slots.put(name, slot);
      total += slot.size();
      return this;
    }

    public long total() {
      return total;
    }

    public List<Slot> slots() {
      return Collections.unmodifiableList(new ArrayList<>(slots.values()));
    }
  }

  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private final INDArray params;
  private final INDArray grads;

  public ParamStore(Layout layout) {
    this(layout, DataType.FLOAT);
  }

  /** A store in another precision: DOUBLE serves the finite-difference gradient checks. */
  public ParamStore(Layout layout, DataType dataType) {
    for (Slot s : layout.slots.values()) {
      slots.put(s.name(), s);
    }
    if (layout.total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("models over 2^31 parameters are not supported");
    }
    this.params = Nd4j.create(dataType, layout.total);
    this.grads = Nd4j.create(dataType, layout.total);
  }

  /** The flat parameter buffer, [total]. */
  public INDArray params() {
    return params;
  }

  /** The flat gradient buffer, [total], same layout as {@link #params()}. */
  public INDArray grads() {
    return grads;
  }

  public long size() {
    return params.length();
  }

  public List<Slot> slots() {
    return List.copyOf(slots.values());
  }

  public Slot slot(String name) {
    Slot s = slots.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no parameter named " + name);
    }
    return s;
  }

  /** A view of parameter {@code name} in its declared shape; writes go to the flat buffer. */
  public INDArray param(String name) {
    return view(params, slot(name));
  }

  /** A view of the gradient of {@code name}. */
  public INDArray grad(String name) {
    return view(grads, slot(name));
  }

  public void zeroGrads() {
    grads.assign(0f);
  }

  /**
   * The gradient buffer as host memory, for what reads or writes it directly: the fused
   * embedding scatter-add on the CPU and the collectives, which send it over TCP. Index = slot
   * offset + element. It is current as of this call: on a device backend the gradients are
   * copied from the device first ({@link #gradsToHost}); a caller that writes through it there
   * must then call {@link #gradsFromHost}. On the CPU backend both are no-ops: there is one
   * copy.
   */
  public java.nio.Buffer gradBuffer() {
    gradsToHost();
    return grads.dataType() == DataType.DOUBLE ? grads.data().asNioDouble()
        : grads.data().asNioFloat();
  }

  /**
   * Makes the host copy of the gradients current. On a device backend ND4J keeps a host and a
   * device copy of an array and tracks which is newer; this copies all of the gradients from
   * the device when the device copy is newer (one transfer of {@link #size()} values).
   */
  public void gradsToHost() {
    Nd4j.getAffinityManager().ensureLocation(grads, AffinityManager.Location.HOST);
  }

  /**
   * Marks the host copy of the gradients as the newer one after writing it through {@link
   * #gradBuffer}, so the next op on the device copies them back first (the optimizer step, after
   * an all-reduce).
   */
  public void gradsFromHost() {
    Nd4j.getAffinityManager().tagLocation(grads, AffinityManager.Location.HOST);
  }

  /**
   * Whether the arrays live in host memory, where {@link #gradBuffer} is the buffer the ops
   * write (the CPU backend). Where they do not, a reader of {@link #gradBuffer} sees the
   * gradients as of its last {@link #gradsToHost} only: the all-reduce cannot overlap the
   * backward pass there.
   */
  public boolean hostResident() {
    return Backend.active() == Backend.CPU;
  }

  public DataType dataType() {
    return params.dataType();
  }

  /** A copy of all parameters as a Java array (checkpoints, tests). */
  public float[] toFloatArray() {
    return params.toFloatVector();
  }

  /** Overwrites all parameters from {@code values} (length must match). */
  public void load(float[] values) {
    if (values.length != params.length()) {
      throw new IllegalArgumentException("parameter count mismatch: expected " + params.length()
          + ", got " + values.length);
    }
    params.assign(Nd4j.createFromArray(values).castTo(params.dataType()));
  }

  private static INDArray view(INDArray flat, Slot s) {
    INDArray range = flat.get(NDArrayIndex.interval(s.offset(), s.offset() + s.size()));
    return s.shape().length == 1 ? range : range.reshape('c', s.shape());
  }
}
