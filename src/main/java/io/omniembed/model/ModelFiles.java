package io.omniembed.model;

import java.io.IOException;

/**
 * The files of a model folder, read on demand by relative name ({@code config.json}, {@code
 * 1_Pooling/config.json}). The model package reads no storage itself: {@code io} supplies the
 * files from any Hadoop filesystem, tests from a local directory.
 */
public interface ModelFiles {

  /** The full path of {@code relative}, for messages. */
  String path(String relative);

  boolean exists(String relative) throws IOException;

  /** The whole file (text and small files). */
  byte[] read(String relative) throws IOException;

  /** Positioned reads of a large file (weights), without holding all of it. */
  Safetensors.Source open(String relative) throws IOException;
}
