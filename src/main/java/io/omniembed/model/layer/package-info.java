/**
 * The encoder's layers, one per file. Each declares its parameters into a {@link
 * io.omniembed.model.ParamStore.Layout}, works on views of the flat parameter and gradient
 * buffers, and has an explicit {@code forward} and {@code backward} over ND4J ops that write into
 * {@link io.omniembed.model.Workspace} buffers. Layers hold no activations themselves, so one set
 * of parameters serves many threads, each with its own workspace. Every {@code backward} adds into
 * the gradient buffer (callers zero it per step) and is checked against finite differences in the
 * tests.
 */
package io.omniembed.model.layer;
