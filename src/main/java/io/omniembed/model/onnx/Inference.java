package io.omniembed.model.onnx;

import java.io.Serializable;
import java.util.Locale;

/**
 * How a model runs at inference ({@code --engine}, {@code --precision}, {@code --device}):
 * <ul>
 *   <li>{@code engine}: {@code onnx} runs the model's exported graph ({@link EncoderGraph}) on
 *       ONNX Runtime; {@code nd4j} runs the project's own encoder, the training engine and the
 *       reference of the parity tests; {@code auto} (the default) is {@code onnx} whenever the
 *       model can be exported and ONNX Runtime starts, else {@code nd4j}.</li>
 *   <li>{@code precision}: {@code fp32}, or {@code int8} (the int8 graph of {@link
 *       Int8Weights}; ONNX Runtime only).</li>
 *   <li>{@code device}: {@code cpu}, or {@code cuda} (ONNX Runtime's CUDA execution provider,
 *       in a build with the {@code cuda-inference} profile; ONNX Runtime only).</li>
 * </ul>
 * Combinations that cannot run are refused when built, naming the options.
 */
public record Inference(Engine engine, Precision precision, Device device)
    implements Serializable {

  /** The default of {@code embed}, {@code eval}, {@code search} and the Spark ML Embedder. */
  public static final Inference DEFAULT = new Inference(Engine.AUTO, Precision.FP32, Device.CPU);
  /** The project's own encoder in fp32 on the CPU. */
  public static final Inference NATIVE = new Inference(Engine.ND4J, Precision.FP32, Device.CPU);

  /** Which engine runs the forward pass. */
  public enum Engine {
    AUTO, ONNX, ND4J;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Where ONNX Runtime runs the graph. */
  public enum Device {
    CPU, CUDA;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public Inference {
    if (engine == Engine.ND4J && precision != Precision.FP32) {
      throw new IllegalArgumentException("--precision " + precision.key() + " runs on ONNX"
          + " Runtime; --engine nd4j (the own encoder) runs fp32 only: give --engine onnx or"
          + " auto");
    }
    if (engine == Engine.ND4J && device != Device.CPU) {
      throw new IllegalArgumentException("--device " + device.key() + " runs on ONNX Runtime;"
          + " --engine nd4j embeds on the CPU: give --engine onnx or auto");
    }
  }

  /** Parses the three options as given on the command line or as Spark ML params. */
  public static Inference parse(String engine, String precision, String device) {
    return new Inference(parseEnum(Engine.class, "--engine", engine),
        Precision.parse(precision), parseEnum(Device.class, "--device", device));
  }

  /** The same, on ONNX Runtime: what {@code auto} becomes when the model exports. */
  public Inference onOnnx() {
    return new Inference(Engine.ONNX, precision, device);
  }

  /** "engine/precision/device", for cache keys and messages. */
  public String key() {
    return engine.key() + "/" + precision.key() + "/" + device.key();
  }

  private static <E extends Enum<E>> E parseEnum(Class<E> type, String option, String value) {
    StringBuilder accepted = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      String key = e.name().toLowerCase(Locale.ROOT);
      if (key.equals(value)) {
        return e;
      }
      accepted.append(accepted.length() == 0 ? "" : ", ").append(key);
    }
    throw new IllegalArgumentException(option + " takes " + accepted + ", not '" + value + "'");
  }
}
