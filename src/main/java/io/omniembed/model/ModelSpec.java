package io.omniembed.model;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a {@code --model} (or {@code --init}) argument names, parsed once and matched exhaustively.
 * <pre>
 *   DIR or URI                    a checkpoint directory on any Hadoop filesystem
 *   hf:PATH                       a Hugging Face encoder folder (config.json, tokenizer.json,
 *                                 model.safetensors or model.onnx, sentence-transformers files)
 *                                 on any Hadoop filesystem, imported into the project's encoder
 *   pretrained:all-MiniLM-L6-v2   the pretrained weights imported into the project's encoder
 *   onnx:all-MiniLM-L6-v2         ONNX Runtime on the same weights (baseline, eval only)
 *   bm25                          Lucene BM25 (baseline, eval only)
 *   random:PRESET                 a freshly initialised preset (training's --init only)
 * </pre>
 * Which of these each option takes is decided here once, by {@link Use}: every job and the Spark
 * ML {@code Embedder} parse with {@link #parse(String, Use)} and refuse the same way.
 */
public sealed interface ModelSpec {

  /** The argument as the user wrote it; recorded as the model id in outputs. */
  String id();

  /** Which form this is. */
  Kind kind();

  /** The forms of a model argument, each with how a message names it. */
  enum Kind {
    CHECKPOINT("a checkpoint directory"),
    HF("hf:PATH"),
    PRETRAINED("pretrained:" + MiniLmImport.NAME),
    ONNX("onnx:" + MiniLmImport.NAME),
    BM25("bm25"),
    RANDOM("random:PRESET");

    private final String described;

    Kind(String described) {
      this.described = described;
    }

    public String described() {
      return described;
    }
  }

  /** The options that take a model, and the forms each accepts. */
  enum Use {
    EMBED("embed --model", EnumSet.of(Kind.CHECKPOINT, Kind.HF, Kind.PRETRAINED, Kind.ONNX)),
    EVAL("eval --model", EnumSet.of(Kind.CHECKPOINT, Kind.HF, Kind.PRETRAINED, Kind.ONNX,
        Kind.BM25)),
    SEARCH("search --model", EnumSet.of(Kind.CHECKPOINT, Kind.HF, Kind.PRETRAINED, Kind.ONNX)),
    MINE("prepare --model", EnumSet.of(Kind.CHECKPOINT, Kind.HF, Kind.PRETRAINED, Kind.ONNX)),
    INIT("train --init", EnumSet.of(Kind.CHECKPOINT, Kind.HF, Kind.PRETRAINED, Kind.RANDOM)),
    SOUP("soup --inputs", EnumSet.of(Kind.CHECKPOINT, Kind.HF, Kind.PRETRAINED)),
    EXPORT("export --model", EnumSet.of(Kind.CHECKPOINT, Kind.HF, Kind.PRETRAINED)),
    EMBEDDER("Embedder modelPath", EnumSet.of(Kind.CHECKPOINT, Kind.HF, Kind.PRETRAINED,
        Kind.ONNX));

    private final String option;
    private final Set<Kind> accepted;

    Use(String option, Set<Kind> accepted) {
      this.option = option;
      this.accepted = accepted;
    }

    public boolean accepts(ModelSpec spec) {
      return accepted.contains(spec.kind());
    }

    /** The accepted forms, for messages and {@code --help}: "a, b or c". */
    public String forms() {
      String all = accepted.stream().map(Kind::described).collect(Collectors.joining(", "));
      int last = all.lastIndexOf(", ");
      return last < 0 ? all : all.substring(0, last) + " or " + all.substring(last + 2);
    }

    public String option() {
      return option;
    }
  }

  /** Parses {@code arg} and refuses, naming the option and its forms, what {@code use} does not take. */
  static ModelSpec parse(String arg, Use use) {
    ModelSpec spec;
    try {
      spec = parse(arg);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(use.option() + ": " + e.getMessage(), e);
    }
    if (!use.accepts(spec)) {
      throw new IllegalArgumentException(use.option() + " takes " + use.forms() + ", not '"
          + arg + "'");
    }
    return spec;
  }

  record CheckpointDir(String path) implements ModelSpec {
    @Override
    public Kind kind() {
      return Kind.CHECKPOINT;
    }

    @Override
    public String id() {
      return path;
    }
  }

  /** A Hugging Face encoder folder, {@code hf:PATH}. */
  record Hf(String path) implements ModelSpec {
    @Override
    public Kind kind() {
      return Kind.HF;
    }

    @Override
    public String id() {
      return "hf:" + path;
    }
  }

  record Pretrained(String name) implements ModelSpec {
    @Override
    public Kind kind() {
      return Kind.PRETRAINED;
    }

    @Override
    public String id() {
      return "pretrained:" + name;
    }
  }

  record Onnx(String name) implements ModelSpec {
    @Override
    public Kind kind() {
      return Kind.ONNX;
    }

    @Override
    public String id() {
      return "onnx:" + name;
    }
  }

  record Bm25() implements ModelSpec {
    @Override
    public Kind kind() {
      return Kind.BM25;
    }

    @Override
    public String id() {
      return "bm25";
    }
  }

  record Random(String preset) implements ModelSpec {
    @Override
    public Kind kind() {
      return Kind.RANDOM;
    }

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
    if (lower.startsWith("hf:")) {
      String path = arg.substring("hf:".length());
      if (path.isBlank()) {
        throw new IllegalArgumentException("'" + arg + "' names no folder (hf:PATH, as in"
            + " hf:/models/bge-small-en-v1.5 or hf:s3a://bucket/models/e5-small-v2)");
      }
      return new Hf(path);
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
