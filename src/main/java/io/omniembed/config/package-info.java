/**
 * Typed, immutable configuration records with their defaults and validation, loaded from HOCON:
 * model architectures ({@link io.omniembed.config.ModelConfig}, with the optional media towers of
 * {@link io.omniembed.config.MediaSpec}), training stages and task mixes. Architecture presets
 * live as data under {@code conf/models/} and are packaged in the jar; an unknown key is an error,
 * never a silent default.
 *
 * <p>Uses only {@code data} (modality constants); never the model, storage, training or Spark.
 */
package io.omniembed.config;
