package io.omniembed.jobs;

import picocli.CommandLine.Option;

/** Options of the jobs that run an embedding model over items: {@code embed}, {@code eval}. */
public final class EmbeddingOptions {

  @Option(names = "--dim", paramLabel = "K", defaultValue = "0",
      description = "Keep the first K dimensions, re-normalised (Matryoshka). Default: all.")
  int dim;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
      description = "Texts per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--max-length", paramLabel = "T", defaultValue = "0",
      description = "Tokens kept per text ([CLS] and [SEP] included); longer texts are truncated"
          + " and counted. Default: the model's (256 for all-MiniLM-L6-v2).")
  int maxLength;

  /** Fails on a batch size no model accepts (--dim and --max-length depend on the model). */
  void validate() {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("--batch-size must be > 0, got " + batchSize);
    }
  }
}
