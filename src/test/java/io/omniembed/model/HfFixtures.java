package io.omniembed.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Tiny Hugging Face encoder folders for the import tests, and a plain reference of the forward
 * pass those folders describe, written from the Hugging Face model code (BertModel /
 * XLMRobertaModel: embeddings, post-LN layers, exact GELU) in double precision with no project
 * code, so the import and the encoder are checked against something independent of both.
 */
public final class HfFixtures {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** An architecture as config.json states it. */
  public record Arch(String modelType, int vocab, int hidden, int layers, int heads, int ffn,
      int maxPositions, int typeVocab, double eps, int padTokenId) {

    /** A BERT of the given vocabulary (positions from 0, two token types). */
    public static Arch bert(int vocab, int hidden, int layers, int heads, int ffn, int positions) {
      return new Arch("bert", vocab, hidden, layers, heads, ffn, positions, 2, 1e-12, 0);
    }

    public ObjectNode configJson() {
      ObjectNode c = JSON.createObjectNode();
      c.put("model_type", modelType);
      c.putArray("architectures").add(modelType.equals("bert") ? "BertModel"
          : "XLMRobertaModel");
      c.put("vocab_size", vocab);
      c.put("hidden_size", hidden);
      c.put("num_hidden_layers", layers);
      c.put("num_attention_heads", heads);
      c.put("intermediate_size", ffn);
      c.put("max_position_embeddings", maxPositions);
      c.put("type_vocab_size", typeVocab);
      c.put("layer_norm_eps", eps);
      c.put("hidden_act", "gelu");
      c.put("pad_token_id", padTokenId);
      c.put("position_embedding_type", "absolute");
      return c;
    }
  }

  private HfFixtures() {}

  /** A 1-layer BERT of width 8 on the all-MiniLM-L6-v2 vocabulary, so real text tokenises. */
  public static final Arch TINY_BERT = Arch.bert(30522, 8, 1, 2, 16, 16);

  /** The prompts {@link #tinyBert} writes into config_sentence_transformers.json. */
  public static final Map<String, String> TINY_PROMPTS = Map.of(
      "query", "Represent this sentence for searching: ", "doc", "");

  /**
   * A complete tiny folder: {@link #TINY_BERT} with weights from seed 3 (no prefix), the bundled
   * all-MiniLM-L6-v2 tokenizer.json, modules.json with {@code pooling} and, if {@code normalize},
   * Normalize, and {@link #TINY_PROMPTS} with default prompt "doc".
   */
  public static Path tinyBert(Path dir, String pooling, boolean normalize) throws IOException {
    writeFolder(dir, TINY_BERT, io.omniembed.data.text.TextTokenizer.readBundled(),
        randomWeights(TINY_BERT, 3), "");
    writeModules(dir, TINY_BERT.hidden(), pooling, false, normalize);
    ObjectNode st = JSON.createObjectNode();
    ObjectNode prompts = st.putObject("prompts");
    new java.util.TreeMap<>(TINY_PROMPTS).forEach(prompts::put);
    st.put("default_prompt_name", "doc");
    Files.writeString(dir.resolve("config_sentence_transformers.json"), st.toPrettyString());
    return dir;
  }

  /**
   * Random weights of {@code a} under their Hugging Face names, in PyTorch's layout (Linear
   * weights [out, in]); tables ~ N(0, 0.5²) so that token, position and type rows all matter,
   * matrices ~ N(0, (0.5/√in)²), LayerNorm gains 1 ± 0.2.
   */
  public static Map<String, FloatTensor> randomWeights(Arch a, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, FloatTensor> w = new LinkedHashMap<>();
    int h = a.hidden();
    put(w, "embeddings.word_embeddings.weight", r, 0.5, 0, a.vocab(), h);
    put(w, "embeddings.position_embeddings.weight", r, 0.5, 0, a.maxPositions(), h);
    put(w, "embeddings.token_type_embeddings.weight", r, 0.5, 0, a.typeVocab(), h);
    put(w, "embeddings.LayerNorm.weight", r, 0.2, 1, h);
    put(w, "embeddings.LayerNorm.bias", r, 0.1, 0, h);
    for (int i = 0; i < a.layers(); i++) {
      String p = "encoder.layer." + i + ".";
      for (String m : List.of("attention.self.query", "attention.self.key",
          "attention.self.value", "attention.output.dense")) {
        put(w, p + m + ".weight", r, 0.5 / Math.sqrt(h), 0, h, h);
        put(w, p + m + ".bias", r, 0.1, 0, h);
      }
      put(w, p + "attention.output.LayerNorm.weight", r, 0.2, 1, h);
      put(w, p + "attention.output.LayerNorm.bias", r, 0.1, 0, h);
      put(w, p + "intermediate.dense.weight", r, 0.5 / Math.sqrt(h), 0, a.ffn(), h);
      put(w, p + "intermediate.dense.bias", r, 0.1, 0, a.ffn());
      put(w, p + "output.dense.weight", r, 0.5 / Math.sqrt(a.ffn()), 0, h, a.ffn());
      put(w, p + "output.dense.bias", r, 0.1, 0, h);
      put(w, p + "output.LayerNorm.weight", r, 0.2, 1, h);
      put(w, p + "output.LayerNorm.bias", r, 0.1, 0, h);
    }
    put(w, "pooler.dense.weight", r, 0.1, 0, h, h);   // present in real files, never read
    put(w, "pooler.dense.bias", r, 0.1, 0, h);
    return w;
  }

  /** A random [rows, cols] (or [rows]) tensor ~ mean + N(0, scale²). */
  public static FloatTensor random(String name, SplittableRandom r, double scale, double mean,
      int... dims) {
    int n = 1;
    long[] d = new long[dims.length];
    for (int i = 0; i < dims.length; i++) {
      n *= dims[i];
      d[i] = dims[i];
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      double g = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI
          * r.nextDouble());
      v[i] = (float) (mean + scale * g);
    }
    return new FloatTensor(name, d, v);
  }

  private static void put(Map<String, FloatTensor> w, String name, SplittableRandom r,
      double scale, double mean, int... dims) {
    w.put(name, random(name, r, scale, mean, dims));
  }

  /**
   * Writes config.json, tokenizer.json and model.safetensors (tensor names with {@code prefix},
   * as a task-head checkpoint stores them) into {@code dir}.
   */
  public static void writeFolder(Path dir, Arch a, byte[] tokenizerJson,
      Map<String, FloatTensor> weights, String prefix) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), a.configJson().toPrettyString());
    Files.write(dir.resolve("tokenizer.json"), tokenizerJson);
    List<FloatTensor> named = new ArrayList<>();
    for (FloatTensor t : weights.values()) {
      named.add(new FloatTensor(prefix + t.name(), t.dims(), t.values()));
    }
    Files.write(dir.resolve("model.safetensors"), Safetensors.writeF32(named));
  }

  /**
   * Writes the sentence-transformers files: modules.json (Transformer, Pooling, [Dense],
   * [Normalize]) and 1_Pooling/config.json with {@code pooling} ("cls", "mean", "max", ...).
   */
  public static void writeModules(Path dir, int hidden, String pooling, boolean dense,
      boolean normalize) throws IOException {
    ArrayNode modules = JSON.createArrayNode();
    module(modules, "", "Transformer");
    module(modules, "1_Pooling", "Pooling");
    if (dense) {
      module(modules, "2_Dense", "Dense");
    }
    if (normalize) {
      module(modules, dense ? "3_Normalize" : "2_Normalize", "Normalize");
    }
    Files.writeString(dir.resolve("modules.json"), modules.toPrettyString());
    ObjectNode p = JSON.createObjectNode();
    p.put("word_embedding_dimension", hidden);
    for (String mode : List.of("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens",
        "weightedmean_tokens", "lasttoken")) {
      p.put("pooling_mode_" + mode, mode.replaceAll("_tokens?$", "").equals(pooling));
    }
    p.put("include_prompt", true);
    Files.createDirectories(dir.resolve("1_Pooling"));
    Files.writeString(dir.resolve("1_Pooling/config.json"), p.toPrettyString());
  }

  private static void module(ArrayNode modules, String path, String type) {
    modules.addObject().put("idx", modules.size()).put("name", String.valueOf(modules.size()))
        .put("path", path).put("type", "sentence_transformers.models." + type);
  }

  /** Writes 2_Dense: config.json and model.safetensors with linear.weight [out, in] and bias. */
  public static void writeDense(Path dir, FloatTensor weight, FloatTensor bias)
      throws IOException {
    Path d = dir.resolve("2_Dense");
    Files.createDirectories(d);
    ObjectNode c = JSON.createObjectNode();
    c.put("in_features", weight.dims()[1]);
    c.put("out_features", weight.dims()[0]);
    c.put("bias", true);
    c.put("activation_function", "torch.nn.modules.linear.Identity");
    Files.writeString(d.resolve("config.json"), c.toPrettyString());
    Files.write(d.resolve("model.safetensors"), Safetensors.writeF32(List.of(
        new FloatTensor("linear.weight", weight.dims(), weight.values()),
        new FloatTensor("linear.bias", bias.dims(), bias.values()))));
  }

  /** The pieces of {@link #unigramTokenizer()}, in id order (ids 0–3 the specials, last <mask>). */
  public static final List<String> PIECES = List.of("<s>", "<pad>", "</s>", "<unk>", "▁", "▁the",
      "▁cat", "s", "▁sat", "▁on", "▁mat", ".", ",", "▁hello", "▁world", "▁wor", "ld", "▁a",
      "▁dog", "▁and", "▁über", "▁straße", "e", "t", "a", "o", "n", "r", "h", "l", "d", "c", "m",
      "▁b", "▁ru", "ning", "ü", "ß", "▁un", "known", "<mask>");

  /**
   * A small SentencePiece Unigram tokenizer.json laid out as XLM-RoBERTa's: Metaspace
   * pre-tokenizer, &lt;s&gt; 0, &lt;pad&gt; 1, &lt;/s&gt; 2, &lt;unk&gt; 3, &lt;mask&gt; last,
   * and a TemplateProcessing post-processor "&lt;s&gt; $A &lt;/s&gt;". Scores favour whole
   * words.
   */
  public static byte[] unigramTokenizer() {
    ObjectNode t = JSON.createObjectNode();
    t.put("version", "1.0");
    t.putNull("truncation");
    t.putNull("padding");
    ArrayNode added = t.putArray("added_tokens");
    for (String special : List.of("<s>", "<pad>", "</s>", "<unk>", "<mask>")) {
      added.addObject().put("id", PIECES.indexOf(special)).put("content", special)
          .put("single_word", false).put("lstrip", special.equals("<mask>"))
          .put("rstrip", false).put("normalized", false).put("special", true);
    }
    t.putNull("normalizer");
    ObjectNode meta = JSON.createObjectNode().put("type", "Metaspace").put("replacement", "▁")
        .put("prepend_scheme", "always").put("split", true);
    t.set("pre_tokenizer", meta);
    ObjectNode post = t.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    single.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    ObjectNode specials = post.putObject("special_tokens");
    for (String s : List.of("<s>", "</s>")) {
      specials.putObject(s).put("id", s).set("ids", JSON.createArrayNode()
          .add(PIECES.indexOf(s)));
      ((ObjectNode) specials.get(s)).putArray("tokens").add(s);
    }
    t.set("decoder", meta.deepCopy());
    ObjectNode model = t.putObject("model");
    model.put("type", "Unigram");
    model.put("unk_id", 3);
    ArrayNode vocab = model.putArray("vocab");
    for (String p : PIECES) {
      boolean special = p.startsWith("<") && p.endsWith(">");
      boolean word = p.startsWith("▁") && p.length() > 2;
      vocab.addArray().add(p).add(special ? 0.0 : word ? -2.0 - p.length() * 0.01
          : -4.0 - p.length() * 0.1);
    }
    model.put("byte_fallback", false);
    return t.toPrettyString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The embedding Hugging Face computes for one unpadded sequence {@code ids}: embeddings with
   * positions {@code offset + t} (BertModel: 0 + t; XLMRobertaModel: padding_idx + 1 + t), the
   * post-LN layers, CLS or mean pooling, the optional Dense ({@code denseW} [out, in]), L2.
   */
  public static double[] reference(Arch a, Map<String, FloatTensor> w, int[] ids, int offset,
      boolean cls, FloatTensor denseW, FloatTensor denseB) {
    int len = ids.length;
    int h = a.hidden();
    float[] word = w.get("embeddings.word_embeddings.weight").values();
    float[] pos = w.get("embeddings.position_embeddings.weight").values();
    float[] type = w.get("embeddings.token_type_embeddings.weight").values();
    double[][] x = new double[len][h];
    for (int t = 0; t < len; t++) {
      for (int c = 0; c < h; c++) {
        x[t][c] = word[ids[t] * h + c] + pos[(offset + t) * h + c] + type[c];
      }
    }
    x = layerNorm(x, w, "embeddings.LayerNorm", a.eps());
    int d = h / a.heads();
    for (int i = 0; i < a.layers(); i++) {
      String p = "encoder.layer." + i + ".";
      double[][] q = linear(x, w, p + "attention.self.query");
      double[][] k = linear(x, w, p + "attention.self.key");
      double[][] v = linear(x, w, p + "attention.self.value");
      double[][] ctx = new double[len][h];
      for (int head = 0; head < a.heads(); head++) {
        for (int t = 0; t < len; t++) {
          double[] s = new double[len];
          double max = Double.NEGATIVE_INFINITY;
          for (int u = 0; u < len; u++) {
            for (int j = 0; j < d; j++) {
              s[u] += q[t][head * d + j] * k[u][head * d + j];
            }
            s[u] /= Math.sqrt(d);
            max = Math.max(max, s[u]);
          }
          double sum = 0;
          for (int u = 0; u < len; u++) {
            s[u] = Math.exp(s[u] - max);
            sum += s[u];
          }
          for (int u = 0; u < len; u++) {
            for (int j = 0; j < d; j++) {
              ctx[t][head * d + j] += s[u] / sum * v[u][head * d + j];
            }
          }
        }
      }
      x = layerNorm(add(x, linear(ctx, w, p + "attention.output.dense")), w,
          p + "attention.output.LayerNorm", a.eps());
      double[][] f = linear(x, w, p + "intermediate.dense");
      for (double[] row : f) {
        for (int j = 0; j < row.length; j++) {
          row[j] = 0.5 * row[j] * (1 + erf(row[j] / Math.sqrt(2)));
        }
      }
      x = layerNorm(add(x, linear(f, w, p + "output.dense")), w, p + "output.LayerNorm",
          a.eps());
    }
    double[] pooled = new double[h];
    for (int t = 0; t < (cls ? 1 : len); t++) {
      for (int c = 0; c < h; c++) {
        pooled[c] += x[t][c] / (cls ? 1 : len);
      }
    }
    if (denseW != null) {
      pooled = linear(new double[][] {pooled}, denseW, denseB)[0];
    }
    double norm = 0;
    for (double p : pooled) {
      norm += p * p;
    }
    norm = Math.sqrt(norm);
    for (int c = 0; c < pooled.length; c++) {
      pooled[c] /= norm;
    }
    return pooled;
  }

  private static double[][] linear(double[][] x, Map<String, FloatTensor> w, String module) {
    return linear(x, w.get(module + ".weight"), w.get(module + ".bias"));
  }

  /** y = x·Wᵀ + b with W as PyTorch stores it, [out, in]. */
  private static double[][] linear(double[][] x, FloatTensor weight, FloatTensor bias) {
    int out = (int) weight.dims()[0];
    int in = (int) weight.dims()[1];
    double[][] y = new double[x.length][out];
    for (int t = 0; t < x.length; t++) {
      for (int j = 0; j < out; j++) {
        double s = bias.values()[j];
        for (int i = 0; i < in; i++) {
          s += x[t][i] * weight.values()[j * in + i];
        }
        y[t][j] = s;
      }
    }
    return y;
  }

  private static double[][] add(double[][] a, double[][] b) {
    double[][] y = new double[a.length][a[0].length];
    for (int t = 0; t < a.length; t++) {
      for (int c = 0; c < a[0].length; c++) {
        y[t][c] = a[t][c] + b[t][c];
      }
    }
    return y;
  }

  private static double[][] layerNorm(double[][] x, Map<String, FloatTensor> w, String module,
      double eps) {
    float[] g = w.get(module + ".weight").values();
    float[] b = w.get(module + ".bias").values();
    double[][] y = new double[x.length][];
    for (int t = 0; t < x.length; t++) {
      int h = x[t].length;
      double mean = 0;
      for (double v : x[t]) {
        mean += v / h;
      }
      double var = 0;
      for (double v : x[t]) {
        var += (v - mean) * (v - mean) / h;
      }
      y[t] = new double[h];
      for (int c = 0; c < h; c++) {
        y[t][c] = (x[t][c] - mean) / Math.sqrt(var + eps) * g[c] + b[c];
      }
    }
    return y;
  }

  /**
   * erf to double precision: its Taylor series for |z| < 2.5 (terms stay below e^6.25, so little
   * is lost to cancellation), else 1 − erfc from erfc's continued fraction.
   */
  static double erf(double z) {
    double a = Math.abs(z);
    double r;
    if (a < 2.5) {
      double term = a;
      double sum = a;
      for (int n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
        term *= -a * a / n;
        sum += term / (2 * n + 1);
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // erfc(a) = exp(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...)))))
      double f = a;
      for (int k = 60; k >= 1; k--) {
        f = a + (k / 2.0) / f;
      }
      r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
    }
    return z < 0 ? -r : r;
  }

  /** Cosine similarity. */
  public static double cosine(float[] a, double[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  /** The largest |a − b| over the vector. */
  public static double maxAbsDiff(float[] a, double[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
