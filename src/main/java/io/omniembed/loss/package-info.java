/**
 * Training losses, one per file, each opening with its formula, its paper and the inputs it
 * expects. Losses work on embeddings (plain arrays, no Spark, no encoder) and return their
 * gradient with respect to those embeddings, which the encoder then back-propagates.
 *
 * <p>Imports no other project package.
 */
package io.omniembed.loss;
