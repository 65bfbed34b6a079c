package io.omniembed.jobs;

import io.omniembed.model.onnx.Inference;
import io.omniembed.pipeline.GpuScheduling;
import java.util.Map;
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
          + " -Pcuda-inference). On a cluster each task runs on the GPU Spark assigns it"
          + " (spark.task.resource.gpu.amount, 1 unless given). Default: ${DEFAULT-VALUE}.")
  String device;

  /** The options as one value; a combination that cannot run is refused naming the options. */
  Inference inference() {
    return Inference.parse(engine, precision, device);
  }

  /**
   * What the session needs for these options: with {@code --device cuda} on a cluster, GPUs for
   * the executors and tasks ({@link GpuScheduling#inferenceSettings}); otherwise nothing.
   */
  Map<String, String> sparkSettings(SparkOptions spark) {
    return inference().device() == Inference.Device.CUDA
        ? GpuScheduling.inferenceSettings(spark.master(), spark.given(),
            System.getenv("OMNIEMBED_HOME"))
        : Map.of();
  }
}
