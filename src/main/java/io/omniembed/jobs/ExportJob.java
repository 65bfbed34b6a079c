package io.omniembed.jobs;

import io.omniembed.io.HadoopFiles;
import io.omniembed.io.Models;
import io.omniembed.model.LoadedModel;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.onnx.EncoderGraph;
import io.omniembed.model.onnx.OnnxExport;
import io.omniembed.model.onnx.Precision;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code export}: a model as one ONNX graph that any ONNX runtime serves — the whole encoder from
 * token ids (and media patches) to the L2-normalised embedding — with its tokenizer and an
 * {@code omniembed.json} that says how to feed it ({@link OnnxExport}).
 *
 * <p>Not a Spark job: it converts one model on this machine and writes three files, so it takes
 * no {@code --master} or {@code --conf}. The output appears whole or not at all.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Export a model as one ONNX graph (opset " + EncoderGraph.OPSET + "): token"
        + " ids, attention mask (and media patches) in, the pooled, projected, L2-normalised"
        + " embedding out.",
        "Writes OUT/model.onnx, OUT/tokenizer.json and OUT/omniembed.json (model id and hash,"
            + " dimensions, Matryoshka dimensions, max_length, media settings, pooling,"
            + " normalisation, precision, input names)."})
public final class ExportJob implements Callable<Integer> {

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "Checkpoint directory or pretrained:all-MiniLM-L6-v2.")
  String model;

  @Option(names = "--format", required = true, paramLabel = "FORMAT",
      description = "Export format: onnx.")
  String format;

  @Option(names = "--out", required = true, paramLabel = "DIR",
      description = "Output directory (must not exist or be empty).")
  String out;

  @Option(names = "--precision", defaultValue = "fp32", paramLabel = "P",
      description = "fp32, or int8: MatMul weights 8-bit per output channel, activations"
          + " quantised per token at run time (default: ${DEFAULT-VALUE}).")
  String precision;

  @Override
  public Integer call() throws Exception {
    if (!"onnx".equals(format)) {
      throw new IllegalArgumentException("--format takes onnx, not '" + format + "'");
    }
    Precision p = Precision.parse(precision);
    ModelSpec.parse(model, ModelSpec.Use.EXPORT);
    Configuration conf = new Configuration();
    HadoopFiles.requireEmptyOutput(out, conf, "choose another --out");
    LoadedModel loaded = Models.parameters(model, ModelSpec.Use.EXPORT, 0, conf);
    Map<String, byte[]> files = OnnxExport.files(loaded, p);
    HadoopFiles.writeDirectory(out, files, conf);
    System.out.printf("export: %s (%s) as ONNX %s, %.1f MB -> %s%n", loaded.modelId(),
        loaded.hash().substring(0, 12), p.key(),
        files.get(OnnxExport.GRAPH_FILE).length / 1e6, out);
    return 0;
  }
}
