package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.config.MediaSpec;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Encoder;
import io.omniembed.model.MiniLmImport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** soup end to end on real checkpoint directories: uniform, greedy, and what it refuses. */
class SoupJobTest {

  static final ModelConfig TINY = ModelConfig.preset("tiny");
  static final ObjectMapper JSON = new ObjectMapper();

  /** A randomly initialised checkpoint of {@code config} in {@code dir}. */
  static Path checkpoint(Path dir, ModelConfig config, long seed) throws IOException {
    Checkpoint.save(Encoder.randomInit(config, seed), TextTokenizer.readBundled(),
        "random:" + config.name(), dir.toString(), new Configuration());
    return dir;
  }

  /** The tiny preset with another LayerNorm epsilon or other Matryoshka dimensions. */
  static ModelConfig tiny(double layerNormEps, List<Integer> matryoshkaDims) {
    return new ModelConfig(TINY.name(), TINY.vocabSize(), TINY.hidden(), TINY.layers(),
        TINY.heads(), TINY.ffn(), TINY.maxPositions(), TINY.modalities(), TINY.outputDim(),
        layerNormEps, TINY.maxLength(), matryoshkaDims);
  }

  static float[] params(Path ckpt) throws IOException {
    return Checkpoint.load(ckpt.toString(), new Configuration()).encoder().store().toFloatArray();
  }

  static String soupError(Path a, Path b, Path out) {
    return JobRunner.run("soup", "--inputs", a.toString(), b.toString(), "--out", out.toString(),
        "--master", "local[1]").err();
  }

  @Test
  void uniformSoupIsTheMeanAndRecordsItsInputs(@TempDir Path dir) throws Exception {
    Path a = checkpoint(dir.resolve("a"), TINY, 1);
    Path b = checkpoint(dir.resolve("b"), TINY, 2);
    Path soup = dir.resolve("soup");
    JobRunner.Result r = JobRunner.run("soup", "--inputs", a.toString(), b.toString(), "--out",
        soup.toString(), "--master", "local[1]");
    assertEquals(0, r.exitCode(), r.err());
    float[] x = params(a);
    float[] y = params(b);
    float[] s = params(soup);
    for (int i = 0; i < s.length; i += 997) {
      assertEquals((x[i] + y[i]) / 2, s[i], 1e-6f);
    }
    JsonNode record = JSON.readTree(soup.resolve("soup.json").toFile());
    assertEquals("uniform", record.get("method").asText());
    assertEquals(List.of(a.toString(), b.toString()), strings(record.get("kept")));
  }

  @Test
  void refusesCheckpointsOfAnotherArchitectureNamingTheFirstDifference(@TempDir Path dir)
      throws Exception {
    Path a = checkpoint(dir.resolve("a"), TINY, 1);
    Path small = checkpoint(dir.resolve("small"), ModelConfig.preset("small"), 1);
    assertEquals("omniembed soup: error: checkpoint " + small + " differs from " + a
        + " in hidden (256 vs 32)", soupError(a, small, dir.resolve("s1")));
  }

  @Test
  void refusesCheckpointsThatDifferOnlyInLayerNormEpsilon(@TempDir Path dir) throws Exception {
    Path a = checkpoint(dir.resolve("a"), TINY, 1);
    Path b = checkpoint(dir.resolve("b"), tiny(1e-5, TINY.matryoshkaDims()), 2);
    assertEquals("omniembed soup: error: checkpoint " + b + " differs from " + a
        + " in layer_norm_eps (1.0E-5 vs 1.0E-12)", soupError(a, b, dir.resolve("s")));
    assertTrue(Files.notExists(dir.resolve("s")), "nothing is written");
  }

  @Test
  void refusesCheckpointsThatDifferOnlyInMatryoshkaDimensions(@TempDir Path dir)
      throws Exception {
    Path a = checkpoint(dir.resolve("a"), TINY, 1);
    Path b = checkpoint(dir.resolve("b"), tiny(TINY.layerNormEps(), List.of(16, 32)), 2);
    assertEquals("omniembed soup: error: checkpoint " + b + " differs from " + a
        + " in matryoshka_dims ([16, 32] vs [8, 16, 32])", soupError(a, b, dir.resolve("s")));
  }

  @Test
  void refusesCheckpointsThatDifferOnlyInMediaSettings(@TempDir Path dir) throws Exception {
    ModelConfig media = ModelConfig.preset("tiny-media");
    MediaSpec m = media.media();
    MediaSpec larger = new MediaSpec(32, m.imagePatch(), m.audioMelBins(),
        m.audioFramesPerPatch(), m.maxAudioPatches(), m.videoSize(), m.videoPatch(),
        m.videoFrames(), m.maxMediaBytes());
    Path a = checkpoint(dir.resolve("a"), media, 1);
    Path b = checkpoint(dir.resolve("b"), media.withMedia(larger), 1);
    assertEquals("omniembed soup: error: checkpoint " + b + " differs from " + a
        + " in media.image_size (32 vs 16)", soupError(a, b, dir.resolve("s1")));

    Path text = checkpoint(dir.resolve("text"), media.withMedia(null), 1);
    assertEquals("omniembed soup: error: checkpoint " + text + " differs from " + a
        + " in media (absent vs present)", soupError(a, text, dir.resolve("s2")));
  }

  @Test
  void refusesCheckpointsWithAnotherTokenizer(@TempDir Path dir) throws Exception {
    Path a = checkpoint(dir.resolve("a"), TINY, 1);
    byte[] other = (new String(TextTokenizer.readBundled(), StandardCharsets.UTF_8) + "\n")
        .getBytes(StandardCharsets.UTF_8);
    Path b = dir.resolve("b");
    Checkpoint.save(Encoder.randomInit(TINY, 2), other, "random:tiny", b.toString(),
        new Configuration());
    assertEquals("omniembed soup: error: checkpoint " + b + " differs from " + a
        + " in tokenizer.json (SHA-256 " + Checkpoint.sha256(other) + " vs "
        + Checkpoint.sha256(TextTokenizer.readBundled()) + ")", soupError(a, b, dir.resolve("s")));
  }

  /**
   * Three inputs whose greedy outcome is known in advance: the pretrained model, an exact copy of
   * it (the soup of the two is the same model, so its NDCG@10 does not drop: kept), and the
   * pretrained weights under N(0, 1) noise, far above the weights' own scale (a third of
   * that noise wrecks the soup: rejected).
   */
  @Test
  void greedySoupKeepsExactlyTheCheckpointsThatDoNotHurt(@TempDir Path dir) throws Exception {
    Path bench = EvalJobTest.benchmark(dir);
    Encoder pretrained = MiniLmImport.load();
    Path copy = dir.resolve("copy");
    Checkpoint.save(pretrained, TextTokenizer.readBundled(), "copy", copy.toString(),
        new Configuration());
    float[] noisy = pretrained.store().toFloatArray();
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < noisy.length; i++) {
      noisy[i] += (float) gaussian(random);
    }
    Encoder wrecked = Encoder.randomInit(pretrained.config(), 0);
    wrecked.store().load(noisy);
    Path noise = dir.resolve("noise");
    Checkpoint.save(wrecked, TextTokenizer.readBundled(), "noise", noise.toString(),
        new Configuration());

    Path soup = dir.resolve("greedy");
    String model = "pretrained:all-MiniLM-L6-v2";
    JobRunner.Result r = JobRunner.run("soup", "--greedy", "--benchmark", bench.toString(),
        "--inputs", noise.toString(), model, copy.toString(), "--out", soup.toString(),
        "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.notExists(dir.resolve("greedy.candidates")), "candidates are cleaned up");

    JsonNode record = JSON.readTree(soup.resolve("soup.json").toFile());
    assertEquals("greedy", record.get("method").asText());
    assertEquals(List.of(model, copy.toString()), strings(record.get("kept")));
    JsonNode tried = record.get("inputs");
    assertEquals(3, tried.size());
    // Tried by their own NDCG@10, ties in input order; the noisy weights come last.
    assertEquals(List.of(model, copy.toString(), noise.toString()),
        List.of(tried.get(0).get("checkpoint").asText(), tried.get(1).get("checkpoint").asText(),
            tried.get(2).get("checkpoint").asText()));
    double best = tried.get(0).get("ndcg@10").asDouble();
    assertTrue(best > 0.9, record.toString());
    assertEquals(best, tried.get(1).get("ndcg@10").asDouble(), 0.0, "the copy scores the same");
    assertEquals(best, tried.get(1).get("soup_ndcg@10").asDouble(), 0.0);
    assertTrue(tried.get(1).get("kept").asBoolean());
    assertTrue(tried.get(2).get("ndcg@10").asDouble() < best, record.toString());
    assertTrue(tried.get(2).get("soup_ndcg@10").asDouble() < best, record.toString());
    assertEquals(false, tried.get(2).get("kept").asBoolean());
    assertEquals(best, record.get("ndcg@10").asDouble(), 0.0);

    // The soup of a model and its copy is that model.
    assertArrayEquals(pretrained.store().toFloatArray(), params(soup), 0f);
    String id = Checkpoint.load(soup.toString(), new Configuration()).modelId();
    assertEquals("greedy-soup:[" + model + ", " + copy + "]", id);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static double gaussian(SplittableRandom random) {
    double u = 1 - random.nextDouble();   // (0, 1]
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
  }
}
