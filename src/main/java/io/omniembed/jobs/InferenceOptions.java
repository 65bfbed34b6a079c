package io.omniembed.jobs;

import io.omniembed.model.onnx.Inference;
import picocli.CommandLine.Option;

/** How the jobs that embed ({@code embed}, {@code eval}, {@code search}) run the model. */
public final class InferenceOptions {

  @Option(names = "--engine", paramLabel = "E", defaultValue = "auto",
      description = "onnx (the model's exported graph on ONNX Runtime, exported once per model"
          + " and cached), nd4j (the project's own encoder) or auto: onnx whenever the model"
          + " exports and ONNX Runtime starts (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(names = "--precision", paramLabel = "P", defaultValue = "fp32",
      description = "fp32, or int8 (MatMul weights quantised per output channel, activations"
          + " per token; ONNX Runtime only). Default: ${DEFAULT-VALUE}.")
  String precision;

  @Option(names = "--device", paramLabel = "D", defaultValue = "cpu",
      description = "cpu, or cuda (ONNX Runtime's CUDA execution provider; a jar built with"
          + " -Pcuda-inference). Default: ${DEFAULT-VALUE}.")
  String device;

  /** The options as one value; a combination that cannot run is refused naming the options. */
  Inference inference() {
    return Inference.parse(engine, precision, device);
  }
}
