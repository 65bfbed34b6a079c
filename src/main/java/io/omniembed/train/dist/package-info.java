/**
 * Data-parallel training across workers: the {@link io.omniembed.train.dist.Collective}
 * (all-reduce, all-gather, barrier) and its ring algorithm, which runs over any pair of byte
 * streams — in-process pipes between threads ({@link io.omniembed.train.dist.InProcessCollective},
 * for tests) or TCP sockets between Spark barrier tasks
 * ({@link io.omniembed.train.dist.TcpCollective}, whose addresses are exchanged through
 * {@code BarrierTaskContext.allGather}); and the barrier-stage worker that runs the training loop
 * on one replica ({@link io.omniembed.train.dist.BarrierTraining}).
 */
package io.omniembed.train.dist;
