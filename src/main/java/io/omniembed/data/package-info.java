/**
 * Per-record logic with no Spark, no Hadoop and no I/O: the {@link io.omniembed.data.Item}/{@link
 * io.omniembed.data.Part} model of interleaved content, the record parser, training examples,
 * content keys for deduplication, hard-negative selection, seeds, WordNet gloss parsing.
 * Sub-packages: {@code data.text} (tokenisation), {@code data.media} (decoding and patches),
 * {@code data.code} (code pairs and synthetic code) and {@code data.multimodal} (builders of
 * multimodal data sets from installed sources; the one place that reads local files and runs a
 * program, espeak-ng).
 *
 * <p>Imports no other project package: everything else builds on it.
 */
package io.omniembed.data;
