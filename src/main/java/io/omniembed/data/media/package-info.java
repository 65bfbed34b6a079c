/**
 * Modality preprocessing as pure functions (no Spark, no Hadoop, no I/O beyond the bytes given):
 * images, audio and video decoded, normalised and cut into fixed-size patches, the units the
 * encoder's per-modality patch embeddings take. Every rejection is a {@link
 * io.omniembed.data.media.MediaException} whose message is the reason written to a job's error
 * output. Reading media bytes from paths and URIs is storage: {@link io.omniembed.io.MediaSource}.
 *
 * <p>Uses only {@code data}.
 */
package io.omniembed.data.media;
