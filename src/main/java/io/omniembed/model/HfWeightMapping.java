package io.omniembed.model;

import io.omniembed.model.layer.ParamStore;

import io.omniembed.config.ModelConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Fills the project's encoder from the weights of a Hugging Face BERT-family model (BERT, MiniLM,
 * BGE, E5, RoBERTa, XLM-RoBERTa: one post-LN layout), checking every tensor's shape against the
 * config.
 *
 * <pre>
 *   embeddings.word_embeddings.weight             → embeddings.token
 *   embeddings.position_embeddings.weight         → embeddings.position
 *   embeddings.token_type_embeddings.weight row 0 → embeddings.modality row 0 (text)
 *   embeddings.LayerNorm.{weight,bias}            → embeddings.ln.{weight,bias}
 *   encoder.layer.N.attention.self.{query,key,value} → blocks.N.attention.qkv, column blocks Q|K|V
 *   encoder.layer.N.attention.output.dense        → blocks.N.attention.out
 *   encoder.layer.N.attention.output.LayerNorm    → blocks.N.ln1
 *   encoder.layer.N.intermediate.dense            → blocks.N.ffn_in
 *   encoder.layer.N.output.dense                  → blocks.N.ffn_out
 *   encoder.layer.N.output.LayerNorm              → blocks.N.ln2
 *   sentence-transformers Dense, or identity      → projection
 * </pre>
 * Linear weights arrive as [in, out] ({@link HfWeights#linear}); the project's Linear computes
 * x·W + b. BERT's token-type row 1 (a second segment) has no place in the project's sequences and
 * is dropped; the image, audio and video rows of the modality table start at zero. The pooler
 * and any task head are not read.
 *
 * <p>{@link #weights} and {@link #dense(Encoder)} run the same table the other way, for the
 * sentence-transformers export: the text modality row becomes the only token-type row, Linear
 * weights go back to PyTorch's [out, in], and the projection becomes the Dense module, so that
 * {@link #load} of what they return gives back the encoder's text path value for value.
 */
public final class HfWeightMapping {

  /** A sentence-transformers Dense module: y = x·W + b, W as [in, out]; origin names its file. */
  public record Dense(FloatTensor weight, FloatTensor bias, String origin) {}

  private HfWeightMapping() {}

  /**
   * An encoder of {@code config} holding {@code weights}; {@code dense} is the projection, or null
   * for identity (then {@code config.outputDim()} must equal {@code hidden}). {@code origin}
   * names the weights file in errors.
   */
  public static Encoder load(ModelConfig config, HfWeights weights, Dense dense, String origin)
      throws IOException {
    ParamStore store = new ParamStore(Encoder.layout(config));
    int h = config.hidden();

    copy(origin, weights.parameter("embeddings.word_embeddings.weight"),
        store.param("embeddings.token"));
    copy(origin, weights.parameter("embeddings.position_embeddings.weight"),
        store.param("embeddings.position"));
    FloatTensor types = weights.parameter("embeddings.token_type_embeddings.weight");
    if (types.dims().length != 2 || types.dims()[1] != h || types.dims()[0] < 1) {
      throw new IOException(origin + ": " + types.name() + " has shape " + types.shape()
          + ", the config implies [type_vocab_size, " + h + "]");
    }
    store.param("embeddings.modality").getRow(0).assign(
        Nd4j.createFromArray(Arrays.copyOf(types.values(), h)));
    layerNorm(origin, weights, "embeddings.LayerNorm", store, "embeddings.ln");

    for (int i = 0; i < config.layers(); i++) {
      String src = "encoder.layer." + i;
      String dst = "blocks." + i;
      INDArray qkvW = store.param(dst + ".attention.qkv.weight");
      INDArray qkvB = store.param(dst + ".attention.qkv.bias");
      String[] parts = {"query", "key", "value"};
      for (int p = 0; p < 3; p++) {
        String module = src + ".attention.self." + parts[p];
        copy(origin, weights.linear(module),
            qkvW.get(NDArrayIndex.all(), NDArrayIndex.interval((long) p * h, (long) (p + 1) * h)));
        copy(origin, weights.parameter(module + ".bias"),
            qkvB.get(NDArrayIndex.interval((long) p * h, (long) (p + 1) * h)));
      }
      linear(origin, weights, src + ".attention.output.dense", store, dst + ".attention.out");
      layerNorm(origin, weights, src + ".attention.output.LayerNorm", store, dst + ".ln1");
      linear(origin, weights, src + ".intermediate.dense", store, dst + ".ffn_in");
      linear(origin, weights, src + ".output.dense", store, dst + ".ffn_out");
      layerNorm(origin, weights, src + ".output.LayerNorm", store, dst + ".ln2");
    }
    if (dense == null) {
      if (config.outputDim() != h) {
        throw new IllegalArgumentException("output_dim " + config.outputDim() + " needs a Dense"
            + " projection from hidden " + h);
      }
      store.param("projection.weight").assign(Nd4j.eye(h));
      store.param("projection.bias").assign(0f);
    } else {
      copy(dense.origin(), dense.weight(), store.param("projection.weight"));
      copy(dense.origin(), dense.bias(), store.param("projection.bias"));
    }
    return new Encoder(config, store);
  }

  /**
   * The encoder's text weights under BertModel's names, as {@code model.safetensors} stores them
   * (Linear weights [out, in]); the token-type table is the text modality row alone, [1, H].
   * The projection is not among them ({@link #dense(Encoder)}), nor are the media towers.
   */
  public static List<FloatTensor> weights(Encoder encoder) {
    ModelConfig config = encoder.config();
    Params p = new Params(encoder.store());
    int h = config.hidden();
    List<FloatTensor> out = new ArrayList<>();
    out.add(p.get("embeddings.token", "embeddings.word_embeddings.weight"));
    out.add(p.get("embeddings.position", "embeddings.position_embeddings.weight"));
    FloatTensor modality = p.get("embeddings.modality", "");
    out.add(new FloatTensor("embeddings.token_type_embeddings.weight", new long[] {1, h},
        Arrays.copyOf(modality.values(), h)));   // row 0: text
    out.add(p.get("embeddings.ln.weight", "embeddings.LayerNorm.weight"));
    out.add(p.get("embeddings.ln.bias", "embeddings.LayerNorm.bias"));
    for (int i = 0; i < config.layers(); i++) {
      String src = "blocks." + i;
      String dst = "encoder.layer." + i;
      FloatTensor qkvW = p.get(src + ".attention.qkv.weight", "");   // [H, 3H] = [in, Q|K|V]
      FloatTensor qkvB = p.get(src + ".attention.qkv.bias", "");
      String[] parts = {"query", "key", "value"};
      for (int k = 0; k < 3; k++) {
        String module = dst + ".attention.self." + parts[k];
        out.add(columns(qkvW, k * h, h, module + ".weight").transposed());
        out.add(new FloatTensor(module + ".bias", new long[] {h},
            Arrays.copyOfRange(qkvB.values(), k * h, (k + 1) * h)));
      }
      p.linear(out, src + ".attention.out", dst + ".attention.output.dense");
      p.layerNorm(out, src + ".ln1", dst + ".attention.output.LayerNorm");
      p.linear(out, src + ".ffn_in", dst + ".intermediate.dense");
      p.linear(out, src + ".ffn_out", dst + ".output.dense");
      p.layerNorm(out, src + ".ln2", dst + ".output.LayerNorm");
    }
    return out;
  }

  /**
   * The projection as a sentence-transformers Dense module's {@code model.safetensors} holds it:
   * {@code linear.weight} [out, in] and {@code linear.bias} [out].
   */
  public static List<FloatTensor> dense(Encoder encoder) {
    Params p = new Params(encoder.store());
    return List.of(p.get("projection.weight", "linear.weight").transposed(),
        p.get("projection.bias", "linear.bias"));
  }

  /** Columns [from, from + width) of the matrix {@code m}, named {@code name}. */
  private static FloatTensor columns(FloatTensor m, int from, int width, String name) {
    int rows = (int) m.dims()[0];
    int cols = (int) m.dims()[1];
    float[] v = new float[rows * width];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(m.values(), r * cols + from, v, r * width, width);
    }
    return new FloatTensor(name, new long[] {rows, width}, v);
  }

  /** The parameters of a store as named float32 tensors, read from one copy of the buffer. */
  private static final class Params {
    private final ParamStore store;
    private final float[] all;

    Params(ParamStore store) {
      this.store = store;
      this.all = store.toFloatArray();
    }

    /** Parameter {@code slot} in its declared shape, named {@code name}. */
    FloatTensor get(String slot, String name) {
      ParamStore.Slot s = store.slot(slot);
      int from = (int) s.offset();
      return new FloatTensor(name, s.shape(), Arrays.copyOfRange(all, from,
          from + (int) s.size()));
    }

    /** A project Linear ([in, out] weight) as a PyTorch one ([out, in]). */
    void linear(List<FloatTensor> out, String slot, String module) {
      out.add(get(slot + ".weight", module + ".weight").transposed());
      out.add(get(slot + ".bias", module + ".bias"));
    }

    void layerNorm(List<FloatTensor> out, String slot, String module) {
      out.add(get(slot + ".weight", module + ".weight"));
      out.add(get(slot + ".bias", module + ".bias"));
    }
  }

  private static void linear(String origin, HfWeights w, String module, ParamStore store,
      String dst) throws IOException {
    copy(origin, w.linear(module), store.param(dst + ".weight"));
    copy(origin, w.parameter(module + ".bias"), store.param(dst + ".bias"));
  }

  private static void layerNorm(String origin, HfWeights w, String module, ParamStore store,
      String dst) throws IOException {
    copy(origin, w.parameter(module + ".weight"), store.param(dst + ".weight"));
    copy(origin, w.parameter(module + ".bias"), store.param(dst + ".bias"));
  }

  /** Copies {@code t} into {@code dst}, refusing any other shape than the slot's. */
  private static void copy(String origin, FloatTensor t, INDArray dst) throws IOException {
    long[] shape = dst.shape();
    if (!Arrays.equals(shape, t.dims())) {
      throw new IOException(origin + ": " + t.name() + " has shape " + t.shape()
          + ", the config implies " + Arrays.toString(shape));
    }
    dst.assign(Nd4j.createFromArray(t.values()).reshape('c', shape).castTo(dst.dataType()));
  }
}
