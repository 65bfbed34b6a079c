package io.omniembed.model;

/**
 * Told by {@link Encoder#backward(java.util.List, BackwardHook)} as soon as the gradients of a
 * {@link GradientGroup} are final for that call (every pass of it has added its part), while the
 * backward of the earlier layers goes on. A trainer starts the all-reduce of the group there, as
 * PyTorch DDP's bucket hooks do; the model knows nothing of what the hook does.
 *
 * <p>The hook runs on the thread of the backward pass. It may read and write the group's range
 * of the gradient buffer from another thread afterwards: the backward does not touch that range
 * again in the same call.
 */
@FunctionalInterface
public interface BackwardHook {

  /** A hook that does nothing. */
  BackwardHook NONE = index -> { };

  /** The gradients of group {@code index} of {@link Encoder#gradientGroups()} are final. */
  void finished(int index);
}
