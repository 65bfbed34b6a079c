/**
 * Evaluation: loading BEIR/MTEB-layout retrieval benchmarks, exact top-k retrieval (dense by
 * blocked matrix products over the corpus, and the BM25 baseline), and the retrieval metrics with
 * MTEB's definitions.
 */
package io.omniembed.eval;
