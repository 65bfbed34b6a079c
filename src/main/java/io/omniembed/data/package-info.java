/**
 * Pure per-record logic, with no Spark: the {@link io.omniembed.data.Item}/{@link
 * io.omniembed.data.Part} model of interleaved content, the record parser, training examples,
 * content keys for deduplication, hard-negative selection, seeds, and modality preprocessing
 * (text tokenisation in {@code data.text}; code data in {@code data.code}).
 */
package io.omniembed.data;
