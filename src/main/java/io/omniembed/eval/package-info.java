/**
 * Evaluation: BEIR/MTEB-layout retrieval benchmarks (loading and validating them, {@link
 * io.omniembed.eval.Benchmark}; making them from description → content pairs, {@link
 * io.omniembed.eval.BenchmarkBuilder}; X → English ones from held-out parallel pairs, {@link
 * io.omniembed.eval.CrossLingualBenchmark}), the BM25 baseline over an in-memory Lucene index, top-k
 * selection, the retrieval metrics with MTEB's definitions and the reports ({@link
 * io.omniembed.eval.EvalReport} of metrics, {@link io.omniembed.eval.SearchReport} of a
 * search's ranked hits).
 *
 * <p>Uses {@code data}, {@code model} and {@code io}; the Spark stages that score a corpus are in
 * {@code pipeline} ({@link io.omniembed.pipeline.Evaluation}). Never imports training or jobs.
 */
package io.omniembed.eval;
