package io.omniembed.model;

/**
 * A group of layers whose parameter gradients one backward pass finishes together, as a
 * contiguous range {@code [from, to)} of the flat gradient buffer
 * ({@link io.omniembed.model.layer.ParamStore#grads()}): the projection, each transformer block,
 * the input embeddings, the media towers. {@link Encoder#gradientGroups()} lists them in the
 * order {@link Encoder#backward} finishes them.
 */
public record GradientGroup(String name, long from, long to) {

  public GradientGroup {
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("gradient group " + name + ": bad range [" + from + ", "
          + to + ")");
    }
  }

  /** Parameters in the group. */
  public long size() {
    return to - from;
  }
}
