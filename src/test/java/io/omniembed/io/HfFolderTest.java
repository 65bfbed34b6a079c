package io.omniembed.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.model.FloatTensor;
import io.omniembed.model.HfFixtures;
import io.omniembed.model.LoadedModel;
import io.omniembed.model.ModelCard;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.NativeEmbedder;
import io.omniembed.model.TextEmbedder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading {@code hf:PATH} folders: a tiny BERT with the sentence-transformers files (CLS pooling,
 * a Dense projection, prompts) gives the reference's vectors and keeps its card through a
 * checkpoint; every bad folder is refused with one line naming the file and the reason.
 */
class HfFolderTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final HfFixtures.Arch ARCH = HfFixtures.TINY_BERT;
  private static final Configuration CONF = new Configuration();

  /** A valid tiny folder: weights, modules (CLS, Normalize), prompts. */
  static Path tiny(Path dir) throws IOException {
    return HfFixtures.tinyBert(dir, "cls", true);
  }

  private static String load(Path dir) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Models.load(ModelSpec.parse("hf:" + dir), CONF, 1));
    assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e.getMessage();
  }

  private static void editJson(Path file, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode n = (ObjectNode) JSON.readTree(file.toFile());
    edit.accept(n);
    Files.writeString(file, n.toPrettyString());
  }

  /** Rewrites the header of a safetensors file, keeping its data bytes. */
  private static void editHeader(Path file, Consumer<ObjectNode> edit) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int n = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    ObjectNode header = (ObjectNode) JSON.readTree(new String(bytes, 8, n,
        StandardCharsets.UTF_8));
    edit.accept(header);
    byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(8 + h.length + bytes.length - 8 - n)
        .order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(h.length).put(h).put(bytes, 8 + n, bytes.length - 8 - n);
    Files.write(file, out.array());
  }

  @Test
  void aTinyFolderWithDenseAndClsPoolingGivesTheReferenceVectorsAndKeepsItsCard(
      @TempDir Path tmp) throws IOException {
    Path dir = tiny(tmp.resolve("m"));
    HfFixtures.writeModules(dir, ARCH.hidden(), "cls", true, true);
    SplittableRandom r = new SplittableRandom(9);
    FloatTensor denseW = HfFixtures.random("linear.weight", r, 0.4, 0, 6, ARCH.hidden());
    FloatTensor denseB = HfFixtures.random("linear.bias", r, 0.1, 0, 6);
    HfFixtures.writeDense(dir, denseW, denseB);
    TextEmbedder model = Models.load(ModelSpec.parse("hf:" + dir), CONF, 1);
    ModelConfig c = ((NativeEmbedder) model).encoder().config();
    assertEquals(6, model.dim());
    assertEquals(List.of(6), c.matryoshkaDims());
    assertEquals(ModelConfig.Pooling.CLS, c.pooling());
    assertEquals(0, c.positionOffset());
    assertEquals(16, model.maxLength());
    assertEquals("hf:" + dir, model.modelId());
    assertEquals(HfFixtures.TINY_PROMPTS, model.prompts());
    assertEquals("doc", model.card().defaultPromptName());

    List<String> texts = List.of("a short one", "the quick brown fox jumps over the dog", "x");
    List<int[]> ids = texts.stream().map(t -> model.tokenizer().encode(t, 16).ids()).toList();
    float[][] ours = model.embed(ids);
    Map<String, FloatTensor> w = HfFixtures.randomWeights(ARCH, 3);
    for (int i = 0; i < texts.size(); i++) {
      double[] expected = HfFixtures.reference(ARCH, w, ids.get(i), 0, true, denseW, denseB);
      assertTrue(HfFixtures.maxAbsDiff(ours[i], expected) < 1e-5, texts.get(i) + ": "
          + Arrays.toString(ours[i]) + " vs " + Arrays.toString(expected));
    }

    LoadedModel loaded = Models.loaded(ModelSpec.parse("hf:" + dir), 0, CONF);
    String ckpt = tmp.resolve("ckpt").toString();
    Checkpoint.save(loaded.encoder(), loaded.tokenizerJson(), loaded.card(), loaded.modelId(),
        ckpt, Map.of(), CONF);
    LoadedModel back = Checkpoint.load(ckpt, CONF);
    assertEquals(loaded.card(), back.card());
    assertEquals(loaded.encoder().config(), back.encoder().config());
    assertEquals(loaded.hash(), back.hash());
  }

  @Test
  void aSourceWithoutNormalizeOrPoolingSaysWhatWasAssumed(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("plain");
    HfFixtures.writeFolder(dir, ARCH, TextTokenizer.readBundled(),
        HfFixtures.randomWeights(ARCH, 3), "bert.");
    LoadedModel plain = Models.loaded(ModelSpec.parse("hf:" + dir), 0, CONF);
    assertEquals(ModelConfig.Pooling.MEAN, plain.encoder().config().pooling());
    assertEquals(List.of("no sentence-transformers Pooling module; mean pooling, as"
        + " sentence-transformers pools a plain Hugging Face model", "the source has no Normalize"
        + " module; its vectors are L2-normalised here (cosine similarities are the source's, dot"
        + " products are cosines)"), plain.card().notes());
    assertEquals(ModelCard.NONE.prompts(), plain.prompts());
  }

  @Test
  void aMissingFolderOrConfigIsNamed(@TempDir Path tmp) throws IOException {
    assertEquals("model hf:" + tmp.resolve("none") + ": no such directory",
        load(tmp.resolve("none")));
    Path dir = tiny(tmp.resolve("m"));
    Files.delete(dir.resolve("config.json"));
    assertEquals(dir + "/config.json: no such file (a Hugging Face encoder folder holds"
        + " config.json, tokenizer.json and model.safetensors or model.onnx)", load(dir));
  }

  @Test
  void unsupportedArchitecturesAreRefusedNamingWhatWasFound(@TempDir Path tmp)
      throws IOException {
    Path dir = tiny(tmp.resolve("m"));
    editJson(dir.resolve("config.json"), c -> {
      c.put("model_type", "mpnet");
      c.putArray("architectures").add("MPNetForMaskedLM");
    });
    assertEquals(dir + "/config.json: model_type 'mpnet' (architectures"
        + " [MPNetForMaskedLM]) is not supported; supported: bert, roberta, xlm-roberta",
        load(dir));
    editJson(dir.resolve("config.json"), c -> {
      c.put("model_type", "bert");
      c.put("hidden_act", "gelu_new");
    });
    assertEquals(dir + "/config.json: hidden_act 'gelu_new' is not supported; the"
        + " encoder computes the exact (erf) GELU, hidden_act 'gelu'", load(dir));
  }

  @Test
  void poolingModesOtherThanClsAndMeanAreRefused(@TempDir Path tmp) throws IOException {
    Path dir = tiny(tmp.resolve("m"));
    for (String mode : List.of("max", "lasttoken", "weightedmean")) {
      HfFixtures.writeModules(dir, ARCH.hidden(), mode, false, true);
      assertEquals(dir + "/1_Pooling/config.json: pooling mode " + mode + " is not"
          + " supported; supported: cls, mean", load(dir));
    }
  }

  @Test
  void aTokenizerOfAnotherVocabularyIsRefused(@TempDir Path tmp) throws IOException {
    Path dir = tiny(tmp.resolve("m"));
    Files.write(dir.resolve("tokenizer.json"), HfFixtures.unigramTokenizer());
    assertEquals(dir + "/tokenizer.json: its vocabulary has "
        + HfFixtures.PIECES.size() + " ids, but the embedding table of config.json has vocab_size"
        + " 30522 rows; the tokenizer belongs to another model", load(dir));
  }

  @Test
  void truncatedOrTamperedSafetensorsAreRefused(@TempDir Path tmp) throws IOException {
    Path dir = tiny(tmp.resolve("m"));
    Path weights = dir.resolve("model.safetensors");
    String file = weights.toString();
    byte[] good = Files.readAllBytes(weights);

    Files.write(weights, Arrays.copyOf(good, good.length - 100));
    String truncated = load(dir);
    assertTrue(truncated.startsWith(file + ": tensor pooler.dense.weight: data_offsets ")
        && truncated.endsWith(" bytes after the header); the file is truncated or tampered"),
        truncated);

    byte[] longHeader = good.clone();
    ByteBuffer.wrap(longHeader).order(ByteOrder.LITTLE_ENDIAN).putLong(0, good.length);
    Files.write(weights, longHeader);
    assertEquals(file + ": header length " + good.length + " runs past the end of the file ("
        + good.length + " bytes); the file is truncated or not safetensors", load(dir));

    Files.write(weights, good);
    editHeader(weights, h -> ((ObjectNode) h.get("embeddings.LayerNorm.bias"))
        .putArray("data_offsets").add(0).add(32));
    String overlap = load(dir);
    assertTrue(overlap.startsWith(file + ": tensors embeddings.LayerNorm.bias and"
        + " embeddings.word_embeddings.weight overlap (bytes [0, 32) and [0, "), overlap);

    Files.write(weights, good);
    editHeader(weights, h -> ((ObjectNode) h.get("embeddings.word_embeddings.weight"))
        .put("dtype", "I32"));
    assertEquals(file + ": tensor embeddings.word_embeddings.weight has dtype I32; only F32,"
        + " F16 and BF16 are read", load(dir));

    Files.write(weights, good);
    editJson(dir.resolve("config.json"), c -> c.put("num_hidden_layers", 2));
    assertEquals(file + " has no tensor encoder.layer.1.attention.self.query.weight", load(dir));
  }

  @Test
  void anOnnxFileThatIsNotAModelIsRefused(@TempDir Path tmp) throws IOException {
    Path dir = tiny(tmp.resolve("m"));
    Files.delete(dir.resolve("model.safetensors"));
    assertEquals(dir + "/model.safetensors: no such file, and no model.onnx either:"
        + " the folder holds no weights", load(dir));
    Files.writeString(dir.resolve("model.onnx"), "{\"this\": \"is JSON, not protobuf\"}");
    String text = load(dir);
    assertTrue(text.startsWith(dir + "/model.onnx: not an ONNX model ("), text);
    byte[] noise = new byte[4096];
    new SplittableRandom(1).nextBytes(noise);
    Files.write(dir.resolve("model.onnx"), noise);
    String random = load(dir);
    assertTrue(random.startsWith(dir + "/model.onnx: not an ONNX model"), random);
  }

  @Test
  void everyOptionThatTakesAModelTakesHf() {
    for (ModelSpec.Use use : ModelSpec.Use.values()) {
      ModelSpec spec = ModelSpec.parse("hf:s3a://bucket/models/bge", use);
      assertEquals(new ModelSpec.Hf("s3a://bucket/models/bge"), spec);
      assertEquals("hf:s3a://bucket/models/bge", spec.id());
      assertTrue(use.forms().contains("hf:PATH"), use.forms());
    }
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> ModelSpec.parse("hf:", ModelSpec.Use.EMBED));
    assertEquals("embed --model: 'hf:' names no folder (hf:PATH, as in"
        + " hf:/models/bge-small-en-v1.5 or hf:s3a://bucket/models/e5-small-v2)",
        empty.getMessage());
  }
}
