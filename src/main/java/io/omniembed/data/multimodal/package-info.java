/**
 * Builders of multimodal training and validation data from real sources (data.md), run on one
 * machine where the sources are installed: emoji images with their CLDR names in many languages,
 * flags with country names, Fashion-MNIST with class captions, speech synthesised by espeak-ng (the
 * package runs that program), and short composed clips (labelled as composed); {@link
 * io.omniembed.data.multimodal.MultimodalDataset} writes the whole set into a local directory.
 *
 * <p>Uses only {@code data} and {@code data.media}; no Spark, no Hadoop.
 */
package io.omniembed.data.multimodal;
