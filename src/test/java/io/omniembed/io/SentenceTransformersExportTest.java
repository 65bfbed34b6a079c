package io.omniembed.io;

import io.omniembed.model.Vectors;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.model.Encoder;
import io.omniembed.model.FloatTensor;
import io.omniembed.model.HfFixtures;
import io.omniembed.model.LoadedModel;
import io.omniembed.model.MiniLmImport;
import io.omniembed.model.ModelCard;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.NativeEmbedder;
import io.omniembed.model.Safetensors;
import io.omniembed.model.SentenceTransformersExport;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.ExportFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sentence-transformers export, read back two ways. Imported with {@code hf:DIR}, every
 * exported model gives its own vectors again (cosine ≥ 0.999999 on each of the 110 export test
 * texts): the pretrained all-MiniLM-L6-v2, a CLS-pooled random model with a projection to fewer
 * dimensions, the random {@code tiny} preset (a projection that is not identity), and a model
 * whose positions start at 2 (RoBERTa's layout). Read by {@link HfFixtures#reference}, a plain
 * double-precision BertModel/RobertaModel forward pass that knows nothing of the project's
 * encoder, the weights under their Hugging Face names give the same vectors too, so the files
 * mean what transformers reads in them and not only what the import reads. Python's
 * sentence-transformers is not run here (it is not packaged for Debian); the layout of each file
 * is checked against what its {@code save} writes.
 *
 * <p>Each round trip can fail: the same folder with mean instead of CLS pooling, or without its
 * Dense module, gives other vectors, and the test says how far off they are.
 */
class SentenceTransformersExportTest {

  private static final Configuration CONF = new Configuration();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double MIN_COSINE = 0.999999;

  /** Exports {@code model} to {@code dir} as the job does. */
  private static Path export(LoadedModel model, Path dir) throws IOException {
    HadoopFiles.writeDirectory(dir.toString(), SentenceTransformersExport.files(model), CONF);
    return dir;
  }

  private static TextEmbedder imported(Path dir) {
    return Models.load(ModelSpec.parse("hf:" + dir), CONF, 1);
  }

  private static LoadedModel random(ModelConfig config, long seed, byte[] tokenizer,
      String id) {
    Encoder e = Encoder.randomInit(config, seed);
    return new LoadedModel(e, tokenizer, id, Checkpoint.hash(e.store()));
  }

  /** The tiny preset with {@code pooling}, {@code outputDim} and {@code positionOffset}. */
  private static ModelConfig tiny(ModelConfig.Pooling pooling, int outputDim, int offset) {
    ModelConfig t = ModelConfig.preset("tiny");
    return new ModelConfig("tiny-variant", t.vocabSize(), t.hidden(), t.layers(), t.heads(),
        t.ffn(), t.maxPositions(), t.modalities(), outputDim, t.layerNormEps(), t.maxLength(),
        List.of(outputDim), null, pooling, offset);
  }

  /**
   * The cosine of {@code want}'s and {@code got}'s vector of each text, both tokenised by {@code
   * want} and embedded in batches of 16 (short and truncated texts share batches, so every batch
   * pads).
   */
  private static double[] cosines(TextEmbedder want, TextEmbedder got, List<String> texts) {
    assertEquals(want.dim(), got.dim());
    assertEquals(want.maxLength(), got.maxLength());
    double[] cos = new double[texts.size()];
    for (int s = 0; s < texts.size(); s += 16) {
      List<int[]> batch = new ArrayList<>();
      for (String t : texts.subList(s, Math.min(texts.size(), s + 16))) {
        int[] ids = want.tokenizer().encode(t, want.maxLength()).ids();
        assertArrayEquals(ids, got.tokenizer().encode(t, got.maxLength()).ids(), t);
        batch.add(ids);
      }
      float[][] a = want.embed(batch);
      float[][] b = got.embed(batch);
      for (int i = 0; i < batch.size(); i++) {
        cos[s + i] = Vectors.cosine(a[i], b[i]);
      }
    }
    return cos;
  }

  private static double worst(double[] cos) {
    double m = Double.POSITIVE_INFINITY;
    for (double c : cos) {
      m = Math.min(m, c);
    }
    return m;
  }

  /** Exports, imports back, and asserts the vectors of every test text agree; returns the worst. */
  private static double roundTrip(String name, LoadedModel model, Path dir) throws IOException {
    export(model, dir);
    TextEmbedder original = new NativeEmbedder(model.encoder(),
        TextTokenizer.fromJson(model.tokenizerJson()), model.modelId(), model.hash(),
        model.card());
    double[] cos = cosines(original, imported(dir), ExportFixtures.texts());
    double worst = worst(cos);
    System.out.printf("ROUNDTRIP %s n=%d worst=%.9f%n", name, cos.length, worst);
    assertTrue(worst >= MIN_COSINE, name + ": worst cosine " + worst);
    return worst;
  }

  /**
   * The exported weights run by the plain Hugging Face reference on a few texts, against the
   * model's own vectors: the files are a BertModel (or RobertaModel) with a Dense, not merely
   * something the import undoes.
   */
  private static void matchesTheReference(LoadedModel model, Path dir) throws IOException {
    JsonNode c = JSON.readTree(dir.resolve("config.json").toFile());
    HfFixtures.Arch arch = new HfFixtures.Arch(c.get("model_type").asText(),
        c.get("vocab_size").asInt(), c.get("hidden_size").asInt(),
        c.get("num_hidden_layers").asInt(), c.get("num_attention_heads").asInt(),
        c.get("intermediate_size").asInt(), c.get("max_position_embeddings").asInt(),
        c.get("type_vocab_size").asInt(), c.get("layer_norm_eps").asDouble(),
        c.get("pad_token_id").asInt());
    int offset = arch.modelType().equals("bert") ? 0 : arch.padTokenId() + 1;
    Map<String, FloatTensor> w = tensors(dir.resolve("model.safetensors"));
    Map<String, FloatTensor> dense = tensors(dir.resolve("2_Dense/model.safetensors"));
    boolean cls = JSON.readTree(dir.resolve("1_Pooling/config.json").toFile())
        .get("pooling_mode_cls_token").asBoolean();
    TextTokenizer tok = TextTokenizer.fromJson(model.tokenizerJson());
    NativeEmbedder ours = new NativeEmbedder(model.encoder(), tok, "m", "h");
    for (String text : ExportFixtures.texts().subList(0, 12)) {
      int[] ids = tok.encode(text, model.encoder().config().maxLength()).ids();
      double[] want = HfFixtures.reference(arch, w, ids, offset, cls, dense.get("linear.weight"),
          dense.get("linear.bias"));
      float[] got = ours.embed(List.of(ids))[0];
      assertTrue(HfFixtures.maxAbsDiff(got, want) < 1e-5, text + ": off by "
          + HfFixtures.maxAbsDiff(got, want));
    }
  }

  private static Map<String, FloatTensor> tensors(Path file) throws IOException {
    Safetensors st = Safetensors.open(Safetensors.Source.of(Files.readAllBytes(file)),
        file.toString());
    Map<String, FloatTensor> m = new LinkedHashMap<>();
    for (String n : st.names()) {
      m.put(n, st.tensor(n));
    }
    return m;
  }

  private static JsonNode json(Path file) throws IOException {
    return JSON.readTree(file.toFile());
  }

  /** Every path under {@code dir}, relative, folders ending in /, sorted. */
  private static List<String> tree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir))
          .map(p -> dir.relativize(p) + (Files.isDirectory(p) ? "/" : "")).sorted().toList();
    }
  }

  @Test
  void miniLmExportsAsABertFolderThatImportsToTheSameVectors(@TempDir Path tmp)
      throws IOException {
    Encoder e = MiniLmImport.load();
    LoadedModel miniLm = new LoadedModel(e, TextTokenizer.readBundled(),
        "pretrained:all-MiniLM-L6-v2", Checkpoint.hash(e.store()));
    Path dir = tmp.resolve("minilm");
    roundTrip("minilm", miniLm, dir);

    assertEquals(List.of("1_Pooling/", "1_Pooling/config.json", "2_Dense/",
        "2_Dense/config.json", "2_Dense/model.safetensors", "3_Normalize/", "config.json",
        "config_sentence_transformers.json", "model.safetensors", "modules.json",
        "sentence_bert_config.json", "tokenizer.json", "tokenizer_config.json"), tree(dir));
    assertArrayEquals(TextTokenizer.readBundled(), Files.readAllBytes(dir.resolve(
        "tokenizer.json")));

    JsonNode config = json(dir.resolve("config.json"));
    assertEquals("bert", config.get("model_type").asText());
    assertEquals("[\"BertModel\"]", config.get("architectures").toString());
    assertEquals(384, config.get("hidden_size").asInt());
    assertEquals(6, config.get("num_hidden_layers").asInt());
    assertEquals(12, config.get("num_attention_heads").asInt());
    assertEquals(1536, config.get("intermediate_size").asInt());
    assertEquals(512, config.get("max_position_embeddings").asInt());
    assertEquals(30522, config.get("vocab_size").asInt());
    assertEquals(1, config.get("type_vocab_size").asInt());
    assertEquals(1e-12, config.get("layer_norm_eps").asDouble());
    assertEquals("gelu", config.get("hidden_act").asText());
    assertEquals(0, config.get("pad_token_id").asInt());

    // BertModel's parameter names and shapes, Linear weights [out, in]; F32, "format": "pt".
    Map<String, FloatTensor> w = tensors(dir.resolve("model.safetensors"));
    List<String> names = new ArrayList<>(List.of("embeddings.word_embeddings.weight",
        "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight",
        "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"));
    for (int i = 0; i < 6; i++) {
      for (String m : List.of("attention.self.query", "attention.self.key",
          "attention.self.value", "attention.output.dense", "attention.output.LayerNorm",
          "intermediate.dense", "output.dense", "output.LayerNorm")) {
        names.add("encoder.layer." + i + "." + m + ".weight");
        names.add("encoder.layer." + i + "." + m + ".bias");
      }
    }
    assertEquals(names, List.copyOf(w.keySet()));
    assertEquals("[30522, 384]", w.get("embeddings.word_embeddings.weight").shape());
    assertEquals("[1, 384]", w.get("embeddings.token_type_embeddings.weight").shape());
    assertEquals("[1536, 384]", w.get("encoder.layer.0.intermediate.dense.weight").shape());
    assertEquals("[384, 1536]", w.get("encoder.layer.5.output.dense.weight").shape());
    byte[] file = Files.readAllBytes(dir.resolve("model.safetensors"));
    long headerLength = java.nio.ByteBuffer.wrap(file, 0, 8)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8);
    JsonNode header = JSON.readTree(new String(file, 8, (int) headerLength,
        java.nio.charset.StandardCharsets.UTF_8));
    assertEquals("{\"format\":\"pt\"}", header.get("__metadata__").toString());
    assertEquals("F32", header.get("embeddings.LayerNorm.bias").get("dtype").asText());

    JsonNode modules = json(dir.resolve("modules.json"));
    assertEquals(4, modules.size());
    String[][] want = {{"", "Transformer"}, {"1_Pooling", "Pooling"}, {"2_Dense", "Dense"},
        {"3_Normalize", "Normalize"}};
    for (int i = 0; i < 4; i++) {
      assertEquals(i, modules.get(i).get("idx").asInt());
      assertEquals(want[i][0], modules.get(i).get("path").asText());
      assertEquals("sentence_transformers.models." + want[i][1],
          modules.get(i).get("type").asText());
    }
    JsonNode pooling = json(dir.resolve("1_Pooling/config.json"));
    assertEquals(384, pooling.get("word_embedding_dimension").asInt());
    assertTrue(pooling.get("pooling_mode_mean_tokens").asBoolean());
    assertEquals(false, pooling.get("pooling_mode_cls_token").asBoolean());
    JsonNode dense = json(dir.resolve("2_Dense/config.json"));
    assertEquals("{\"in_features\":384,\"out_features\":384,\"bias\":true,"
        + "\"activation_function\":\"torch.nn.modules.linear.Identity\"}", dense.toString());
    assertEquals(List.of("linear.weight", "linear.bias"),
        List.copyOf(tensors(dir.resolve("2_Dense/model.safetensors")).keySet()));
    assertEquals("{\"max_seq_length\":256,\"do_lower_case\":false}",
        json(dir.resolve("sentence_bert_config.json")).toString());
    assertEquals("{\"tokenizer_class\":\"PreTrainedTokenizerFast\",\"model_max_length\":256,"
        + "\"cls_token\":\"[CLS]\",\"sep_token\":\"[SEP]\",\"pad_token\":\"[PAD]\","
        + "\"unk_token\":\"[UNK]\",\"mask_token\":\"[MASK]\"}",
        json(dir.resolve("tokenizer_config.json")).toString());
    assertEquals("{\"prompts\":{},\"default_prompt_name\":null,\"similarity_fn_name\":"
        + "\"cosine\"}", json(dir.resolve("config_sentence_transformers.json")).toString());
    assertEquals(List.of(), imported(dir).card().notes());   // Normalize and Pooling were read
  }

  @Test
  void aClsModelWithANarrowerProjectionRoundTripsAndMeanPoolingWouldNot(@TempDir Path tmp)
      throws IOException {
    LoadedModel cls = random(tiny(ModelConfig.Pooling.CLS, 24, 0), 11,
        TextTokenizer.readBundled(), "random:cls");
    Path dir = tmp.resolve("cls");
    roundTrip("tiny-cls-24", cls, dir);
    matchesTheReference(cls, dir);
    assertEquals(ModelConfig.Pooling.CLS,
        ((NativeEmbedder) imported(dir)).encoder().config().pooling());
    JsonNode dense = json(dir.resolve("2_Dense/config.json"));
    assertEquals(32, dense.get("in_features").asInt());
    assertEquals(24, dense.get("out_features").asInt());
    FloatTensor w = tensors(dir.resolve("2_Dense/model.safetensors")).get("linear.weight");
    assertEquals("[24, 32]", w.shape());
    // linear.weight[o][i] is the projection's W[i][o] (x·W in the encoder)
    float[][] projection = cls.encoder().store().param("projection.weight").toFloatMatrix();
    assertEquals(projection[5][7], w.values()[7 * 32 + 5]);

    // The same folder pooled by the mean is another model: the check above would see it.
    ObjectNode pooling = (ObjectNode) json(dir.resolve("1_Pooling/config.json"));
    pooling.put("pooling_mode_cls_token", false).put("pooling_mode_mean_tokens", true);
    Files.writeString(dir.resolve("1_Pooling/config.json"), pooling.toPrettyString());
    TextEmbedder original = new NativeEmbedder(cls.encoder(), TextTokenizer.bundledMiniLm(),
        "m", "h");
    double meanWorst = worst(cosines(original, imported(dir), ExportFixtures.texts()));
    System.out.printf("ROUNDTRIP tiny-cls-24 read as mean pooling worst=%.6f%n", meanWorst);
    assertTrue(meanWorst < 0.99, "mean pooling of a CLS model: worst cosine " + meanWorst);
  }

  @Test
  void theTinyPresetsProjectionTravelsInTheDenseModule(@TempDir Path tmp) throws IOException {
    LoadedModel tiny = random(ModelConfig.preset("tiny"), 5, TextTokenizer.readBundled(),
        "random:tiny");
    float[][] p = tiny.encoder().store().param("projection.weight").toFloatMatrix();
    double offIdentity = 0;
    for (int i = 0; i < p.length; i++) {
      for (int j = 0; j < p[i].length; j++) {
        offIdentity = Math.max(offIdentity, Math.abs(p[i][j] - (i == j ? 1 : 0)));
      }
    }
    assertTrue(offIdentity > 0.5, "the projection is far from identity: " + offIdentity);
    Path dir = tmp.resolve("tiny");
    roundTrip("tiny", tiny, dir);
    matchesTheReference(tiny, dir);

    // Without its Dense module the folder projects by identity: other vectors.
    ArrayNode modules = (ArrayNode) json(dir.resolve("modules.json"));
    modules.remove(2);
    Files.writeString(dir.resolve("modules.json"), modules.toPrettyString());
    TextEmbedder original = new NativeEmbedder(tiny.encoder(), TextTokenizer.bundledMiniLm(),
        "m", "h");
    double noDense = worst(cosines(original, imported(dir), ExportFixtures.texts()));
    System.out.printf("ROUNDTRIP tiny without 2_Dense worst=%.6f%n", noDense);
    assertTrue(noDense < 0.99, "identity instead of the projection: worst cosine " + noDense);
  }

  @Test
  void positionsFromTwoExportAsRobertaWhenThePaddingIdIsOne(@TempDir Path tmp)
      throws IOException {
    // HfFixtures' SentencePiece tokenizer: <s> 0, <pad> 1, </s> 2, 41 ids.
    ModelConfig c = new ModelConfig("offset-2", 41, 16, 2, 2, 32, 40, 4, 16, 1e-5, 32,
        List.of(16), null, ModelConfig.Pooling.MEAN, 2);
    LoadedModel model = random(c, 3, HfFixtures.unigramTokenizer(), "random:offset-2");
    Path dir = tmp.resolve("roberta");
    roundTrip("offset-2", model, dir);
    matchesTheReference(model, dir);
    JsonNode config = json(dir.resolve("config.json"));
    assertEquals("roberta", config.get("model_type").asText());
    assertEquals("[\"RobertaModel\"]", config.get("architectures").toString());
    assertEquals(1, config.get("pad_token_id").asInt());
    assertEquals(2, ((NativeEmbedder) imported(dir)).encoder().config().positionOffset());
    JsonNode tokenizer = json(dir.resolve("tokenizer_config.json"));
    assertEquals("<s>", tokenizer.get("cls_token").asText());
    assertEquals("<pad>", tokenizer.get("pad_token").asText());
    assertEquals("<unk>", tokenizer.get("unk_token").asText());
    assertEquals("<mask>", tokenizer.get("mask_token").asText());

    // With BERT's tokenizer ([PAD] = 0) no Hugging Face layout numbers positions from 2.
    LoadedModel bertVocab = random(tiny(ModelConfig.Pooling.MEAN, 32, 2), 3,
        TextTokenizer.readBundled(), "random:offset-2-bert");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SentenceTransformersExport.files(bertVocab));
    assertEquals("model random:offset-2-bert has position_offset 2: Hugging Face expresses an"
        + " offset only as RoBERTa's pad_token_id + 1, but its tokenizer's padding id is 0, not"
        + " 1", e.getMessage());
  }

  @Test
  void aCheckpointsTaskStringsBecomeThePromptsAndComeBack(@TempDir Path tmp) throws IOException {
    Map<String, String> prompts = new LinkedHashMap<>();
    prompts.put("retrieval", "Given a question, retrieve the passage that answers it: ");
    prompts.put("code2code", "Find code that does the same: ");
    prompts.put("passage", "");
    Path ckpt = tmp.resolve("ckpt");
    Checkpoint.save(Encoder.randomInit(ModelConfig.preset("tiny"), 9),
        TextTokenizer.readBundled(), new ModelCard(prompts, null, List.of()), "trained",
        ckpt.toString(), Map.of(), CONF);
    LoadedModel trained = Checkpoint.load(ckpt.toString(), CONF);
    Path dir = tmp.resolve("st");
    roundTrip("tiny-with-prompts", trained, dir);
    assertEquals(prompts, trained.card().prompts());
    JsonNode st = json(dir.resolve("config_sentence_transformers.json"));
    Map<String, String> written = new LinkedHashMap<>();
    st.get("prompts").fields().forEachRemaining(f -> written.put(f.getKey(),
        f.getValue().asText()));
    assertEquals(List.copyOf(trained.card().prompts().entrySet()),
        List.copyOf(written.entrySet()));   // the checkpoint's prompts, in its order
    assertTrue(st.get("default_prompt_name").isNull());
    assertEquals("cosine", st.get("similarity_fn_name").asText());
    ModelCard back = imported(dir).card();
    assertEquals(prompts, back.prompts());
    assertEquals(List.copyOf(written.keySet()), List.copyOf(back.prompts().keySet()));
    assertEquals(trained.card(), back);

    // An import's default prompt is kept as well.
    Path hf = HfFixtures.tinyBert(tmp.resolve("hf"), "cls", true);
    LoadedModel withDefault = Models.loaded(ModelSpec.parse("hf:" + hf), 0, CONF);
    Path again = export(withDefault, tmp.resolve("again"));
    assertEquals("doc", imported(again).card().defaultPromptName());
    assertEquals(HfFixtures.TINY_PROMPTS, imported(again).prompts());
  }

  @Test
  void aMediaModelIsRefused() {
    LoadedModel media = random(ModelConfig.preset("tiny-media"), 1, TextTokenizer.readBundled(),
        "random:tiny-media");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SentenceTransformersExport.files(media));
    assertEquals("model random:tiny-media has image, audio and video towers; the"
        + " sentence-transformers format holds a text encoder only (export it with --format"
        + " onnx)", e.getMessage());
  }
}
