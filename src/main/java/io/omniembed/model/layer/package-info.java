/**
 * The encoder's layers, one per file, and the buffers they run on: the flat {@link
 * io.omniembed.model.layer.ParamStore}, the reusable {@link io.omniembed.model.layer.Workspace},
 * and the padded {@link io.omniembed.model.layer.TokenBatch} made of {@link
 * io.omniembed.model.layer.Sequence}s. Each layer declares its parameters into a {@link
 * io.omniembed.model.layer.ParamStore.Layout}, works on views of the flat parameter and gradient
 * buffers, and has an explicit {@code forward} and {@code backward} over ND4J ops that write into
 * workspace buffers. Layers hold no activations themselves, so one set of parameters serves many
 * threads, each with its own workspace. Every {@code backward} adds into the gradient buffer
 * (callers zero it per step) and is checked against finite differences in the tests.
 *
 * <p>The element-wise and row kernels have two paths ({@link io.omniembed.model.layer.KernelPath}):
 * fused plain Java over host buffers on ND4J's CPU backend, ND4J op chains on any {@link
 * io.omniembed.model.layer.Backend} (the GPU's), checked against each other on the CPU.
 *
 * <p>Uses only {@code config} and {@code data}; nothing here knows the encoder that stacks it.
 */
package io.omniembed.model.layer;
