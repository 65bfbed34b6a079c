package io.omniembed.jobs;

import io.omniembed.io.HadoopFiles;
import io.omniembed.io.Models;
import io.omniembed.model.LoadedModel;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.SentenceTransformersExport;
import io.omniembed.model.onnx.EncoderGraph;
import io.omniembed.model.onnx.OnnxExport;
import io.omniembed.model.onnx.Precision;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code export}: a model in a format other runtimes load. {@code --format onnx}: one ONNX graph
 * that any ONNX runtime serves — the whole encoder from token ids (and media patches) to the
 * L2-normalised embedding — with its tokenizer and an {@code omniembed.json} that says how to
 * feed it ({@link OnnxExport}). {@code --format sentence-transformers}: a text model as the
 * folder the Python sentence-transformers library loads ({@link SentenceTransformersExport}).
 *
 * <p>Not a Spark job: it converts one model on this machine and writes a few files, so it takes
 * no {@code --master} or {@code --conf}. The output appears whole or not at all.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Export a model as one ONNX graph (opset " + EncoderGraph.OPSET + "): token"
        + " ids, attention mask (and media patches) in, the pooled, projected, L2-normalised"
        + " embedding out; or a text model as a sentence-transformers folder.",
        "onnx writes OUT/model.onnx, OUT/tokenizer.json and OUT/omniembed.json (model id and"
            + " hash, dimensions, Matryoshka dimensions, max_length, media settings, pooling,"
            + " normalisation, precision, input names).",
        "sentence-transformers writes config.json, model.safetensors, the tokenizer files,"
            + " modules.json and the Pooling, Dense and Normalize modules, with the model's"
            + " prompts in config_sentence_transformers.json; hf:OUT imports it back."})
public final class ExportJob implements Callable<Integer> {

  static final String ONNX = "onnx";
  static final String SENTENCE_TRANSFORMERS = "sentence-transformers";

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "Checkpoint directory, hf:PATH or pretrained:all-MiniLM-L6-v2.")
  String model;

  @Option(names = "--format", required = true, paramLabel = "FORMAT",
      description = "Export format: onnx or sentence-transformers.")
  String format;

  @Option(names = "--out", required = true, paramLabel = "DIR",
      description = "Output directory (must not exist or be empty).")
  String out;

  @Option(names = "--precision", defaultValue = "fp32", paramLabel = "P",
      description = "fp32, or int8: MatMul weights 8-bit per output channel, activations"
          + " quantised per token at run time (onnx only; default: ${DEFAULT-VALUE}).")
  String precision;

  @Override
  public Integer call() throws Exception {
    boolean onnx = switch (format) {
      case ONNX -> true;
      case SENTENCE_TRANSFORMERS -> false;
      default -> throw new IllegalArgumentException("--format takes " + ONNX + " or "
          + SENTENCE_TRANSFORMERS + ", not '" + format + "'");
    };
    Precision p = Precision.parse(precision);
    if (!onnx && p != Precision.FP32) {
      throw new IllegalArgumentException("--precision " + p.key() + " is for --format onnx;"
          + " --format " + SENTENCE_TRANSFORMERS + " writes the float32 weights");
    }
    ModelSpec.parse(model, ModelSpec.Use.EXPORT);
    Configuration conf = new Configuration();
    HadoopFiles.requireEmptyOutput(out, conf, "choose another --out");
    LoadedModel loaded = Models.parameters(model, ModelSpec.Use.EXPORT, 0, conf);
    Map<String, byte[]> files = onnx ? OnnxExport.files(loaded, p)
        : SentenceTransformersExport.files(loaded, model);
    HadoopFiles.writeDirectory(out, files, conf);
    String what = onnx ? "ONNX " + p.key() : SENTENCE_TRANSFORMERS;
    long bytes = files.values().stream().mapToLong(b -> b.length).sum();
    System.out.printf("export: %s (%s) as %s, %.1f MB -> %s%n", loaded.modelId(),
        loaded.hash().substring(0, 12), what, bytes / 1e6, out);
    return 0;
  }
}
