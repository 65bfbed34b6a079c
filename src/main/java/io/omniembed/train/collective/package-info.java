/**
 * The collective operations of data-parallel training and nothing else: the
 * {@link io.omniembed.train.collective.Collective} interface (all-reduce, all-gather, barrier) and
 * its ring algorithm, which runs over any pair of byte streams — in-process pipes between threads
 * ({@link io.omniembed.train.collective.InProcessCollective}, for tests) or TCP sockets between
 * Spark barrier tasks ({@link io.omniembed.train.collective.TcpCollective}) — and the
 * {@link io.omniembed.train.collective.WireFormat} in which gradient ranges travel (float32, or
 * bfloat16 at half the bytes).
 *
 * <p>Imports only the JDK: no Spark, no model, no training code, so a collective can be tested,
 * benchmarked and replaced (NCCL on GPUs) on its own.
 */
package io.omniembed.train.collective;
