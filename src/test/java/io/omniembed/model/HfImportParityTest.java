package io.omniembed.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.Models;
import io.omniembed.model.layer.TokenBatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real BERT-family encoders imported through {@code hf:} must reproduce ONNX Runtime running
 * their own ONNX files: BGE-small-en-v1.5 (CLS pooling) and E5-small-v2 (mean pooling, prompts
 * "query: "/"passage: "), from the langchain4j jars. Each jar's ONNX file and tokenizer.json are
 * laid out as a Hugging Face folder with a config.json written from the ONNX graph (hidden,
 * layers, FFN, vocabulary and positions from the initializer shapes; heads from the shape the
 * attention reshapes its keys into; LayerNorm epsilon from the graph's constant) and the
 * sentence-transformers files. The reference pools ONNX Runtime's last_hidden_state itself
 * (the [CLS] row for BGE, the masked mean for E5) and L2-normalises: cosine ≥ 0.9999 on every one
 * of 106 sentences from {@link PretrainedParityTest} (short, long and truncated at 512 tokens,
 * non-ASCII, code), E5's with its prompts in front. The same BGE weights written as a
 * model.safetensors folder (PyTorch names under "bert.", Linear weights [out, in]) must load to
 * exactly the same parameters.
 */
class HfImportParityTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void bgeSmallWithClsPoolingMatchesOnnxRuntime(@TempDir Path dir) throws Exception {
    Path folder = layOut("bge-small-en-v1.5", dir.resolve("bge"), "cls", true, Map.of());
    TextEmbedder ours = Models.load(ModelSpec.parse("hf:" + folder), new Configuration(), 2);
    assertEquals(ModelConfig.Pooling.CLS, ((NativeEmbedder) ours).encoder().config().pooling());
    assertEquals(List.of(), ours.card().notes());
    parity(ours, folder, true, sentences(), "bge-small-en-v1.5");

    Path st = safetensorsCopy(folder, dir.resolve("bge-st"));
    TextEmbedder fromSafetensors = Models.load(ModelSpec.parse("hf:" + st), new Configuration(),
        1);
    assertArrayEquals(((NativeEmbedder) ours).encoder().store().toFloatArray(),
        ((NativeEmbedder) fromSafetensors).encoder().store().toFloatArray());
    assertEquals(ours.modelHash(), fromSafetensors.modelHash());
  }

  @Test
  void e5SmallWithMeanPoolingAndPromptsMatchesOnnxRuntime(@TempDir Path dir) throws Exception {
    Path folder = layOut("e5-small-v2", dir.resolve("e5"), "mean", false,
        Map.of("query", "query: ", "passage", "passage: "));
    TextEmbedder ours = Models.load(ModelSpec.parse("hf:" + folder), new Configuration(), 2);
    assertEquals(ModelConfig.Pooling.MEAN, ((NativeEmbedder) ours).encoder().config().pooling());
    assertEquals(Map.of("query", "query: ", "passage", "passage: "), ours.prompts());
    assertEquals(null, ours.card().defaultPromptName());
    assertEquals(List.of(SentenceTransformerModules.NO_NORMALIZE), ours.card().notes(),
        "this folder leaves Normalize out: the card must say the vectors are normalised anyway");
    List<String> texts = new ArrayList<>();
    List<String> sentences = sentences();
    for (int i = 0; i < sentences.size(); i++) {
      texts.add(ours.prompts().get(i % 2 == 0 ? "query" : "passage") + sentences.get(i));
    }
    parity(ours, folder, false, texts, "e5-small-v2");
  }

  /**
   * The 100 short and medium sentences of {@link PretrainedParityTest#sentences}, every fourth of
   * its 20 long ones and the longest: 106, six of 190 to 910 words, four of which exceed 512
   * tokens. A 512-token sequence costs as much as dozens of short ones; four cover truncation.
   */
  static List<String> sentences() {
    List<String> all = PretrainedParityTest.sentences();
    List<String> out = new ArrayList<>(all.subList(0, 100));
    for (int k = 1; k < 20; k += 4) {
      out.add(all.get(100 + k));
    }
    out.add(all.get(119));
    return out;
  }

  /** Tokenise with the folder's tokenizer, embed both ways in batches of 16, compare. */
  private static void parity(TextEmbedder ours, Path folder, boolean cls, List<String> texts,
      String name) throws Exception {
    assertEquals(512, ours.maxLength());
    TextTokenizer tok = ours.tokenizer();
    List<int[]> ids = new ArrayList<>();
    int truncated = 0;
    for (String t : texts) {
      TextTokenizer.Tokens tokens = tok.encode(t, ours.maxLength());
      ids.add(tokens.ids());
      truncated += tokens.truncated() ? 1 : 0;
    }
    assertTrue(truncated >= 3, "the set must include texts cut at 512 tokens, has " + truncated);
    assertTrue(ids.size() >= 100);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    double worst = 1;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(2);
      try (OrtSession session = env.createSession(folder.resolve("model.onnx").toString(),
          options)) {
        for (int start = 0; start < ids.size(); start += 16) {
          List<int[]> batch = ids.subList(start, Math.min(ids.size(), start + 16));
          float[][] a = ours.embed(batch);
          float[][] b = onnxRuntime(env, session, batch, cls);
          for (int i = 0; i < batch.size(); i++) {
            double cos = Vectors.cosine(a[i], b[i]);
            worst = Math.min(worst, cos);
            assertTrue(cos >= 0.9999, name + " sentence " + (start + i) + " '"
                + texts.get(start + i) + "': cosine " + cos);
          }
        }
      }
    }
    System.out.printf("%s: worst cosine %.9f (1 - cos = %.1e) over %d sentences (%d truncated"
        + " at 512)%n", name, worst, 1 - worst, ids.size(), truncated);
  }

  /** ONNX Runtime's last_hidden_state, pooled ([CLS] row or masked mean) and L2-normalised. */
  private static float[][] onnxRuntime(OrtEnvironment env, OrtSession session, List<int[]> ids,
      boolean cls) throws Exception {
    TokenBatch batch = TokenBatch.ofText(ids);
    int b = batch.batch();
    int len = batch.len();
    long[] input = new long[b * len];
    long[] mask = new long[b * len];
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < batch.lengths()[i]; t++) {
        input[i * len + t] = batch.ids()[i * len + t];
        mask[i * len + t] = 1;
      }
    }
    long[] shape = {b, len};
    try (OnnxTensor idT = OnnxTensor.createTensor(env, LongBuffer.wrap(input), shape);
        OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor typeT = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * len]), shape);
        OrtSession.Result result = session.run(Map.of("input_ids", idT, "attention_mask", maskT,
            "token_type_ids", typeT))) {
      float[][][] hidden = (float[][][]) result.get("last_hidden_state").get().getValue();
      float[][] out = new float[b][];
      for (int i = 0; i < b; i++) {
        int n = cls ? 1 : batch.lengths()[i];
        int h = hidden[i][0].length;
        double[] p = new double[h];
        for (int t = 0; t < n; t++) {
          for (int c = 0; c < h; c++) {
            p[c] += hidden[i][t][c] / n;
          }
        }
        double norm = 0;
        for (double v : p) {
          norm += v * v;
        }
        out[i] = new float[h];
        for (int c = 0; c < h; c++) {
          out[i][c] = (float) (p[c] / Math.sqrt(norm));
        }
      }
      return out;
    }
  }

  /**
   * The jar's {@code NAME.onnx} and {@code NAME-tokenizer.json} as a Hugging Face folder:
   * model.onnx, tokenizer.json, a config.json read off the graph, modules.json,
   * 1_Pooling/config.json, sentence_bert_config.json, and config_sentence_transformers.json with
   * {@code prompts}.
   */
  static Path layOut(String name, Path folder, String pooling, boolean normalize,
      Map<String, String> prompts) throws IOException {
    Files.createDirectories(folder);
    byte[] onnxBytes = resource(name + ".onnx");
    Files.write(folder.resolve("model.onnx"), onnxBytes);
    Files.write(folder.resolve("tokenizer.json"), resource(name + "-tokenizer.json"));
    OnnxInitializers onnx = OnnxInitializers.read(onnxBytes, name + ".onnx");
    long[] words = onnx.tensor("embeddings.word_embeddings.weight").dims();
    int hidden = (int) words[1];
    int layers = 0;
    while (onnx.has("encoder.layer." + layers + ".attention.self.query.bias")) {
      layers++;
    }
    ObjectNode c = JSON.createObjectNode();
    c.put("model_type", "bert");
    c.putArray("architectures").add("BertModel");
    c.put("vocab_size", words[0]);
    c.put("hidden_size", hidden);
    c.put("num_hidden_layers", layers);
    c.put("num_attention_heads", heads(onnx, hidden));
    c.put("intermediate_size", onnx.tensor("encoder.layer.0.intermediate.dense.bias").dims()[0]);
    c.put("max_position_embeddings",
        onnx.tensor("embeddings.position_embeddings.weight").dims()[0]);
    c.put("type_vocab_size", onnx.tensor("embeddings.token_type_embeddings.weight").dims()[0]);
    c.put("layer_norm_eps", layerNormEps(onnx));
    c.put("hidden_act", "gelu");
    c.put("pad_token_id", 0);
    Files.writeString(folder.resolve("config.json"), c.toPrettyString());
    HfFixtures.writeModules(folder, hidden, pooling, false, normalize);
    Files.writeString(folder.resolve("sentence_bert_config.json"),
        "{\"max_seq_length\": 512, \"do_lower_case\": false}");
    ObjectNode st = JSON.createObjectNode();
    ObjectNode promptsNode = st.putObject("prompts");
    new java.util.TreeMap<>(prompts).forEach(promptsNode::put);
    st.putNull("default_prompt_name");
    st.put("similarity_fn_name", "cosine");
    Files.writeString(folder.resolve("config_sentence_transformers.json"), st.toPrettyString());
    return folder;
  }

  /**
   * The head count the graph reshapes the keys into: /encoder/layer.0/attention/self/Reshape
   * takes [batch, seq, heads, head_dim] from a Concat whose third input is a Constant.
   */
  private static int heads(OnnxInitializers onnx, int hidden) {
    OnnxInitializers.Node reshape = onnx.node("/encoder/layer.0/attention/self/Reshape");
    String shapeInput = reshape.inputs().get(1);
    OnnxInitializers.Node concat = onnx.nodes().stream()
        .filter(n -> n.outputs().contains(shapeInput)).findFirst().orElseThrow();
    double[] heads = onnx.constant(concat.inputs().get(2));
    double[] headDim = onnx.constant(concat.inputs().get(3));
    assertEquals(hidden, (int) (heads[0] * headDim[0]), "heads × head_dim must be hidden");
    return (int) heads[0];
  }

  /** The epsilon the embeddings' LayerNorm adds to the variance (/embeddings/LayerNorm/Add). */
  private static double layerNormEps(OnnxInitializers onnx) {
    OnnxInitializers.Node add = onnx.node("/embeddings/LayerNorm/Add");
    return onnx.constant(add.inputs().get(1))[0];
  }

  /**
   * The same weights as a model.safetensors folder, as PyTorch saves a BertModel inside a task
   * model: every name under "bert.", Linear weights [out, in] (the ONNX MatMul weights are
   * [in, out]), F32.
   */
  private static Path safetensorsCopy(Path onnxFolder, Path folder) throws IOException {
    Files.createDirectories(folder);
    for (String f : List.of("config.json", "tokenizer.json", "modules.json",
        "sentence_bert_config.json", "config_sentence_transformers.json")) {
      Files.copy(onnxFolder.resolve(f), folder.resolve(f));
    }
    Files.createDirectories(folder.resolve("1_Pooling"));
    Files.copy(onnxFolder.resolve("1_Pooling/config.json"),
        folder.resolve("1_Pooling/config.json"));
    OnnxInitializers onnx = OnnxInitializers.read(Files.readAllBytes(
        onnxFolder.resolve("model.onnx")), "model.onnx");
    List<FloatTensor> tensors = new ArrayList<>();
    for (String n : List.of("embeddings.word_embeddings.weight",
        "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight",
        "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias")) {
      tensors.add(renamed(onnx.tensor(n), "bert." + n));
    }
    for (int i = 0; onnx.has("encoder.layer." + i + ".attention.self.query.bias"); i++) {
      String p = "encoder.layer." + i + ".";
      String node = "/encoder/layer." + i + "/";
      for (String m : List.of("attention.self.query", "attention.self.key",
          "attention.self.value", "attention.output.dense", "intermediate.dense",
          "output.dense")) {
        FloatTensor w = onnx.matMulWeight(node + m.replace('.', '/') + "/MatMul");
        tensors.add(renamed(w.transposed(), "bert." + p + m + ".weight"));
        tensors.add(renamed(onnx.tensor(p + m + ".bias"), "bert." + p + m + ".bias"));
      }
      for (String m : List.of("attention.output.LayerNorm", "output.LayerNorm")) {
        tensors.add(renamed(onnx.tensor(p + m + ".weight"), "bert." + p + m + ".weight"));
        tensors.add(renamed(onnx.tensor(p + m + ".bias"), "bert." + p + m + ".bias"));
      }
    }
    Files.write(folder.resolve("model.safetensors"), Safetensors.writeF32(tensors));
    return folder;
  }

  private static FloatTensor renamed(FloatTensor t, String name) {
    return new FloatTensor(name, t.dims(), t.values());
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = HfImportParityTest.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is not on the test classpath (the langchain4j"
            + " embedding jars)");
      }
      return in.readAllBytes();
    }
  }
}
