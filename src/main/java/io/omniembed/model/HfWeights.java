package io.omniembed.model;

import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The weights of a Hugging Face BERT-family encoder, by their parameter names ({@code
 * embeddings.word_embeddings.weight}, {@code encoder.layer.0.attention.self.query.bias}, ...),
 * whatever file holds them: {@code model.safetensors} (PyTorch's layout) or an ONNX export.
 * A head model's prefix ({@code bert.}, {@code roberta.}) is found once and dropped, so callers
 * always ask for the base model's names.
 */
public interface HfWeights {

  /** The prefixes a base model's parameters carry inside task-head checkpoints. */
  List<String> PREFIXES = List.of("", "bert.", "roberta.", "model.");

  /** The parameter {@code name} (no prefix) as stored: a Linear weight as PyTorch's [out, in]. */
  FloatTensor parameter(String name) throws IOException;

  /**
   * The weight of the Linear layer {@code module} (e.g. {@code encoder.layer.0.attention.self.
   * query}) as [in, out], the layout of the project's {@code Linear}: y = x·W + b.
   */
  FloatTensor linear(String module) throws IOException;

  /** The weights in a safetensors file ({@code origin} names it in errors). */
  static HfWeights of(Safetensors file, String origin) throws IOException {
    String prefix = prefix(file::has, origin, file.names().stream().limit(5).toList());
    return new HfWeights() {
      @Override
      public FloatTensor parameter(String name) throws IOException {
        if (!file.has(prefix + name)) {
          throw new IOException(origin + " has no tensor " + prefix + name);
        }
        return file.tensor(prefix + name);
      }

      @Override
      public FloatTensor linear(String module) throws IOException {
        return parameter(module + ".weight").transposed();   // PyTorch Linear: [out, in]
      }
    };
  }

  /**
   * The weights of an ONNX export: tensors by name; Linear weights through the MatMul node that
   * consumes them ({@code /encoder/layer.0/attention/self/query/MatMul}, already [in, out]), or,
   * in exports that keep them by name, the named [out, in] initializer transposed.
   */
  static HfWeights of(OnnxInitializers onnx, String origin) throws IOException {
    String prefix = prefix(onnx::has, origin, List.of());
    return new HfWeights() {
      @Override
      public FloatTensor parameter(String name) throws IOException {
        if (!onnx.has(prefix + name)) {
          throw new IOException(origin + " has no float initializer " + prefix + name);
        }
        return onnx.tensor(prefix + name);
      }

      @Override
      public FloatTensor linear(String module) throws IOException {
        if (onnx.has(prefix + module + ".weight")) {
          return onnx.tensor(prefix + module + ".weight").transposed();
        }
        try {
          return onnx.matMulWeight(nodePath(prefix + module) + "/MatMul");
        } catch (IllegalArgumentException e) {
          throw new IOException(e.getMessage(), e);
        }
      }
    };
  }

  /**
   * The scope an ONNX export gives a module's nodes: {@code encoder.layer.0.attention.self.query}
   * → {@code /encoder/layer.0/attention/self/query} (a ModuleList child keeps its index).
   */
  static String nodePath(String module) {
    Matcher m = Pattern.compile("\\.(\\d+)(\\.|$)").matcher(module);
    String joined = m.replaceAll("#$1$2");   // layer.0 → layer#0, kept together
    return "/" + joined.replace('.', '/').replace('#', '.');
  }

  private static String prefix(java.util.function.Predicate<String> has, String origin,
      List<String> someNames) throws IOException {
    for (String p : PREFIXES) {
      if (has.test(p + "embeddings.word_embeddings.weight")) {
        return p;
      }
    }
    throw new IOException(origin + " has no embeddings.word_embeddings.weight (also looked for "
        + PREFIXES.stream().filter(p -> !p.isEmpty()).map(p -> p + "embeddings...")
            .collect(Collectors.joining(", ")) + ")"
        + (someNames.isEmpty() ? "" : "; its first tensors are " + someNames)
        + "; not the weights of a BERT-family encoder");
  }
}
