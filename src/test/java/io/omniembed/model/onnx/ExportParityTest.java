package io.omniembed.model.onnx;

import io.omniembed.model.Vectors;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.config.ModelConfig;
import io.omniembed.data.Item;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.model.Encoder;
import io.omniembed.model.ItemSequencer;
import io.omniembed.model.FloatTensor;
import io.omniembed.model.LoadedModel;
import io.omniembed.model.MiniLmImport;
import io.omniembed.model.NativeEmbedder;
import io.omniembed.model.OnnxInitializers;
import io.omniembed.model.layer.ParamStore;
import io.omniembed.model.layer.Sequence;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported graph, run by ONNX Runtime, must embed exactly what the project's encoder embeds:
 * cosine ≥ 0.99999 on every item — all-MiniLM-L6-v2 on 110 texts of 1 to 256 tokens, batched
 * unsorted so that every batch pads; a random {@code tiny-media} model on text, image, audio,
 * video and interleaved items batched together. The int8 graph is compared with the fp32 encoder:
 * cosine ≥ 0.99 on every text. Both graphs pass {@code onnx.checker} (Debian's python3-onnx).
 */
class ExportParityTest {

  private static final TextTokenizer TOK = TextTokenizer.bundledMiniLm();
  private static final double FP32_MIN = 0.99999;
  private static final double INT8_MIN = 0.99;

  private static LoadedModel miniLm;
  private static NativeEmbedder miniLmNative;
  private static final Map<Precision, byte[]> MINILM_GRAPHS = new LinkedHashMap<>();
  private static final Map<Precision, ExportedEmbedder> MINILM = new LinkedHashMap<>();

  @BeforeAll
  static void exportMiniLm() {
    Encoder e = MiniLmImport.load();
    miniLm = new LoadedModel(e, TextTokenizer.readBundled(), "pretrained:all-MiniLM-L6-v2",
        "test");
    miniLmNative = new NativeEmbedder(e, TOK, miniLm.modelId(), miniLm.hash());
    for (Precision p : Precision.values()) {
      byte[] graph = OnnxExport.graph(miniLm, p);
      MINILM_GRAPHS.put(p, graph);
      MINILM.put(p, new ExportedEmbedder(graph, e.config(), TOK, miniLm.modelId(), "test", 2));
    }
  }

  @AfterAll
  static void close() {
    MINILM.values().forEach(ExportedEmbedder::close);
  }

  @Test
  void miniLmTextMatchesTheEncoderInFp32AndInt8() {
    List<int[]> ids = new ArrayList<>();
    for (String t : ExportFixtures.texts()) {
      ids.add(TOK.encode(t, 256).ids());
    }
    Map<Precision, double[]> cos = new LinkedHashMap<>();
    for (Precision p : Precision.values()) {
      cos.put(p, new double[ids.size()]);
    }
    // Batches of 16 in the given order: short and 256-token texts share batches, so every
    // batch pads.
    for (int s = 0; s < ids.size(); s += 16) {
      List<int[]> batch = ids.subList(s, Math.min(ids.size(), s + 16));
      float[][] want = miniLmNative.embed(batch);
      for (Precision p : Precision.values()) {
        float[][] got = MINILM.get(p).embed(batch);
        assertEquals(batch.size(), got.length);
        for (int i = 0; i < batch.size(); i++) {
          assertEquals(384, got[i].length);
          cos.get(p)[s + i] = Vectors.cosine(want[i], got[i]);
        }
      }
    }
    double fp32 = min(cos.get(Precision.FP32));
    double int8 = min(cos.get(Precision.INT8));
    System.out.printf("PARITY minilm text n=%d fp32 worst=%.9f mean=%.9f int8 worst=%.5f"
        + " mean=%.5f%n", ids.size(), fp32, mean(cos.get(Precision.FP32)), int8,
        mean(cos.get(Precision.INT8)));
    assertTrue(fp32 >= FP32_MIN, "fp32 worst cosine " + fp32);
    assertTrue(int8 >= INT8_MIN, "int8 worst cosine " + int8);
    // The int8 graph is a different computation, not the fp32 one again.
    assertTrue(int8 < 0.999999, "int8 equals fp32 (" + int8 + "): weights not quantised?");
  }

  @Test
  void tinyMediaMatchesTheEncoderOnEveryModality() throws Exception {
    Encoder encoder = Encoder.randomInit(ModelConfig.preset("tiny-media"), 11);
    LoadedModel model = new LoadedModel(encoder, TextTokenizer.readBundled(),
        "random:tiny-media", "test");
    NativeEmbedder reference = new NativeEmbedder(encoder, TOK, model.modelId(), "test");
    ItemSequencer sequencer = new ItemSequencer(TOK, encoder.config().media(), model.modelId(),
        encoder.config().maxLength(), encoder.config().maxPositions());
    List<String> kinds = new ArrayList<>();
    List<Sequence> sequences = new ArrayList<>();
    for (Map.Entry<String, Item> e : ExportFixtures.mediaItems()) {
      kinds.add(e.getKey());
      sequences.add(sequencer.sequence(e.getValue(), part -> part.bytes()));
    }
    Map<String, double[]> worst = new TreeMap<>();   // kind → {fp32, int8}
    for (Precision p : Precision.values()) {
      try (ExportedEmbedder onnx = new ExportedEmbedder(OnnxExport.graph(model, p),
          encoder.config(), TOK, model.modelId(), "test", 2)) {
        // Mixed batches of 5: every batch pads, and most mix modalities.
        for (int s = 0; s < sequences.size(); s += 5) {
          List<Sequence> batch = sequences.subList(s, Math.min(sequences.size(), s + 5));
          float[][] want = reference.embedSequences(batch);
          float[][] got = onnx.embedSequences(batch);
          for (int i = 0; i < batch.size(); i++) {
            double[] w = worst.computeIfAbsent(kinds.get(s + i), k -> new double[] {1, 1});
            w[p.ordinal()] = Math.min(w[p.ordinal()], Vectors.cosine(want[i], got[i]));
          }
        }
      }
    }
    // The comparison discriminates: distinct items of the random model are further apart than
    // any item from its own export.
    float[][] all = reference.embedSequences(sequences);
    double closest = -1;
    for (int i = 0; i < all.length; i++) {
      for (int j = i + 1; j < all.length; j++) {
        closest = Math.max(closest, Vectors.cosine(all[i], all[j]));
      }
    }
    for (Map.Entry<String, double[]> w : worst.entrySet()) {
      System.out.printf("PARITY tiny-media %s fp32 worst=%.9f int8 worst=%.5f%n", w.getKey(),
          w.getValue()[0], w.getValue()[1]);
    }
    System.out.printf("PARITY tiny-media closest distinct items cosine=%.5f%n", closest);
    assertEquals(List.of("audio", "image", "interleaved", "text", "video"),
        List.copyOf(worst.keySet()));
    for (Map.Entry<String, double[]> w : worst.entrySet()) {
      assertTrue(w.getValue()[0] >= FP32_MIN, w.getKey() + " fp32 worst cosine "
          + w.getValue()[0]);
    }
    assertTrue(closest < FP32_MIN, "distinct items embed alike (" + closest + ")");
  }

  /**
   * A CLS-pooled model whose positions start at row 2 (BGE's pooling, XLM-RoBERTa's offset)
   * exports to a graph that pools and positions the same way; a mean-pooled, offset-0 graph of
   * the same weights does not match it.
   */
  @Test
  void clsPoolingAndPositionOffsetMatchTheEncoder() {
    ModelConfig t = ModelConfig.preset("tiny");
    ModelConfig cls = new ModelConfig(t.name(), t.vocabSize(), t.hidden(), t.layers(), t.heads(),
        t.ffn(), t.maxPositions(), t.modalities(), t.outputDim(), t.layerNormEps(),
        t.maxLength() - 2, t.matryoshkaDims(), null, ModelConfig.Pooling.CLS, 2);
    Encoder encoder = Encoder.randomInit(cls, 5);
    LoadedModel model = new LoadedModel(encoder, TextTokenizer.readBundled(), "random:tiny-cls",
        "test");
    NativeEmbedder reference = new NativeEmbedder(encoder, TOK, model.modelId(), "test");
    List<int[]> batch = new ArrayList<>();
    for (String text : ExportFixtures.texts().subList(0, 24)) {
      batch.add(TOK.encode(text, cls.maxLength()).ids());
    }
    float[][] want = reference.embed(batch);
    Encoder plain = new Encoder(t, encoder.store());
    double worst = 1;
    double plainBest = -1;
    try (ExportedEmbedder onnx = new ExportedEmbedder(OnnxExport.graph(model, Precision.FP32),
        cls, TOK, model.modelId(), "test", 2);
        ExportedEmbedder meanGraph = new ExportedEmbedder(OnnxExport.graph(new LoadedModel(plain,
            TextTokenizer.readBundled(), "random:tiny", "test"), Precision.FP32), t, TOK,
            "random:tiny", "test", 2)) {
      float[][] got = onnx.embed(batch);
      float[][] other = meanGraph.embed(batch);
      for (int i = 0; i < batch.size(); i++) {
        worst = Math.min(worst, Vectors.cosine(want[i], got[i]));
        plainBest = Math.max(plainBest, Vectors.cosine(want[i], other[i]));
      }
    }
    System.out.printf("PARITY tiny cls offset=2 fp32 worst=%.9f (mean pooling, offset 0: best"
        + " %.5f)%n", worst, plainBest);
    assertTrue(worst >= FP32_MIN, "cls/offset fp32 worst cosine " + worst);
    assertTrue(plainBest < FP32_MIN, "the mean-pooled graph matches the CLS model");
  }

  /**
   * The graph's initializers, read back with the project's own ONNX reader, are the encoder's
   * parameters, and each MatMul reads its weight under the parameter's name.
   */
  @Test
  void initializersReadBackAsTheParameters() throws Exception {
    OnnxInitializers read = OnnxInitializers.read(
        new ByteArrayInputStream(MINILM_GRAPHS.get(Precision.FP32)));
    ParamStore store = miniLm.encoder().store();
    for (String name : List.of("embeddings.token", "embeddings.position", "blocks.3.ln1.weight",
        "blocks.5.ffn_out.bias", "projection.weight")) {
      FloatTensor t = read.tensor(name);
      assertEquals(Arrays.toString(store.slot(name).shape()), Arrays.toString(t.dims()), name);
      assertArrayEquals(store.param(name).dup('c').reshape(-1).toFloatVector(), t.values(), name);
    }
    assertEquals("blocks.0.attention.qkv.weight",
        read.matMulWeight("/blocks.0/attention/qkv/MatMul").name());
  }

  @Test
  void graphsPassTheOnnxChecker(@TempDir Path dir) throws Exception {
    String python = OnnxChecker.python();
    Assumptions.assumeTrue(python != null, OnnxChecker.MISSING);
    Encoder media = Encoder.randomInit(ModelConfig.preset("tiny-media"), 3);
    LoadedModel tiny = new LoadedModel(media, TextTokenizer.readBundled(), "random:tiny-media",
        "test");
    for (Precision p : Precision.values()) {
      Path text = dir.resolve("minilm-" + p.key() + ".onnx");
      Files.write(text, MINILM_GRAPHS.get(p));
      Path mm = dir.resolve("tiny-media-" + p.key() + ".onnx");
      Files.write(mm, OnnxExport.graph(tiny, p));
      for (Path f : List.of(text, mm)) {
        String problem = OnnxChecker.check(python, f);
        assertEquals("", problem, f.getFileName() + " fails onnx.checker");
      }
    }
    // and the checker does reject a broken graph, so a pass means something
    byte[] broken = MINILM_GRAPHS.get(Precision.FP32).clone();
    Path bad = dir.resolve("broken.onnx");
    Files.write(bad, Arrays.copyOf(broken, broken.length / 2));
    assertTrue(!OnnxChecker.check(python, bad).isEmpty(), "a truncated graph passed the checker");
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElseThrow();
  }

  private static double mean(double[] v) {
    return Arrays.stream(v).average().orElseThrow();
  }
}
