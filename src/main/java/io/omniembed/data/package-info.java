/**
 * Pure per-record logic, with no Spark: the {@link io.omniembed.data.Item}/{@link
 * io.omniembed.data.Part} model of interleaved content, the record parser, and modality
 * preprocessing (text tokenisation in {@code data.text}).
 */
package io.omniembed.data;
