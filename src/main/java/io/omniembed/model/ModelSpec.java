package io.omniembed.model;

import java.util.Locale;

/**
 * What a {@code --model} (or {@code --init}) argument names, parsed once and matched exhaustively.
 * <pre>
 *   DIR or URI                    a checkpoint directory on any Hadoop filesystem
 *   pretrained:all-MiniLM-L6-v2   the pretrained weights imported into the project's encoder
 *   onnx:all-MiniLM-L6-v2         ONNX Runtime on the same weights (baseline, eval only)
 *   bm25                          Lucene BM25 (baseline, eval only)
 *   random:PRESET                 a freshly initialised preset (training's --init only)
 * </pre>
 */
public sealed interface ModelSpec {

  /** The argument as the user wrote it; recorded as the model id in outputs. */
  String id();

  record CheckpointDir(String path) implements ModelSpec {
    @Override
    public String id() {
      return path;
    }
  }

  record Pretrained(String name) implements ModelSpec {
    @Override
    public String id() {
      return "pretrained:" + name;
    }
  }

  record Onnx(String name) implements ModelSpec {
    @Override
    public String id() {
      return "onnx:" + name;
    }
  }

  record Bm25() implements ModelSpec {
    @Override
    public String id() {
      return "bm25";
    }
  }

  record Random(String preset) implements ModelSpec {
    @Override
    public String id() {
      return "random:" + preset;
    }
  }

  static ModelSpec parse(String arg) {
    if (arg == null || arg.isBlank()) {
      throw new IllegalArgumentException("--model is empty");
    }
    String lower = arg.toLowerCase(Locale.ROOT);
    if (lower.equals("bm25")) {
      return new Bm25();
    }
    if (lower.startsWith("pretrained:")) {
      return new Pretrained(knownPretrained(arg.substring("pretrained:".length()), arg));
    }
    if (lower.startsWith("onnx:")) {
      return new Onnx(knownPretrained(arg.substring("onnx:".length()), arg));
    }
    if (lower.startsWith("random:")) {
      return new Random(arg.substring("random:".length()));
    }
    return new CheckpointDir(arg);
  }

  private static String knownPretrained(String name, String arg) {
    if (!name.equalsIgnoreCase(MiniLmImport.NAME)) {
      throw new IllegalArgumentException("unknown pretrained model in '" + arg + "' (known: "
          + MiniLmImport.NAME + ")");
    }
    return MiniLmImport.NAME;
  }
}
