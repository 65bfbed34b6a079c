/**
 * The Spark stages: every piece of code that builds an RDD or a Dataset and runs work on the
 * executors. A corpus embedded into Parquet vectors
 * ({@link io.omniembed.pipeline.CorpusEmbedding}): the input read and checked against the table
 * options ({@link io.omniembed.pipeline.EmbedInput}), units with resume and commit
 * ({@link io.omniembed.pipeline.EmbedRun}, {@link io.omniembed.pipeline.EmbedPartition}), the
 * summary ({@link io.omniembed.pipeline.EmbedSummary}) and progress logging; training data
 * validated, planned and sharded to the workers ({@link io.omniembed.pipeline.TrainingData}) and
 * the barrier stage that runs one replica per task ({@link io.omniembed.pipeline.BarrierTraining}),
 * on GPUs that Spark assigns ({@link io.omniembed.pipeline.GpuScheduling});
 * exact dense and BM25 retrieval over a corpus for evaluation and hard-negative mining
 * ({@link io.omniembed.pipeline.DenseRetrieval}, {@link io.omniembed.pipeline.ShardSearch},
 * {@link io.omniembed.pipeline.Evaluation}); top-k search of an embed output, exact or through
 * its HNSW index ({@link io.omniembed.pipeline.VectorSearch}); teacher vectors joined to training
 * pairs ({@link io.omniembed.pipeline.TeacherJoin} for distillation,
 * {@link io.omniembed.pipeline.LockedTextJoin} for the locked-text media phase); and the data
 * builders that run as Spark jobs.
 *
 * <p>Each stage is thin: the lambda it ships is one call of a tested function in {@code data},
 * {@code model}, {@code train}, {@code eval} or {@code io}. The SparkSession is always passed in,
 * never created here. Nothing below {@code pipeline} imports it; only {@code jobs}, {@code ml} and
 * {@code bench} do.
 */
package io.omniembed.pipeline;
