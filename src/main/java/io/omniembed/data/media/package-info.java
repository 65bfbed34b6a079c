/**
 * Modality preprocessing as pure functions (no Spark, no I/O beyond the bytes given): images,
 * audio and video decoded, normalised and cut into fixed-size patches, the units the encoder's
 * per-modality patch embeddings take. Every rejection is a {@link MediaException} whose message
 * is the reason written to a job's error output.
 */
package io.omniembed.data.media;
