/**
 * Builders of multimodal training and validation data from real sources (data.md): emoji images
 * with their CLDR names in many languages, flags with country names, Fashion-MNIST with class
 * captions, speech synthesised by espeak-ng, and short composed clips (labelled as composed).
 */
package io.omniembed.data.multimodal;
