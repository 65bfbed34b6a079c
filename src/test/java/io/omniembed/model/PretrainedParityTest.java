package io.omniembed.model;

import io.omniembed.io.Checkpoint;

import io.omniembed.io.Models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.data.text.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The imported all-MiniLM-L6-v2 must reproduce ONNX Runtime's embeddings of the same weights:
 * cosine ≥ 0.9999 on every one of 120 varied sentences (short, long and truncated at 256 tokens,
 * non-ASCII, code), run through the same tokenizer and the same batches.
 */
class PretrainedParityTest {

  private static TextEmbedder ours;
  private static OnnxEmbedder onnx;

  @BeforeAll
  static void load() {
    ours = Models.load(ModelSpec.parse("pretrained:all-MiniLM-L6-v2"), new Configuration(), 2);
    onnx = new OnnxEmbedder(TextTokenizer.bundledMiniLm(), 256, 2);
  }

  static List<String> sentences() {
    List<String> s = new ArrayList<>(List.of(
        "Hello world.",
        "a",
        "The quick brown fox jumps over the lazy dog.",
        "Returns the number of elements in this collection.",
        "public static int max(int a, int b) { return a >= b ? a : b; }",
        "Über den Wolken muss die Freiheit wohl grenzenlos sein.",
        "東京は日本の首都です。",
        "Москва — столица России.",
        "Le café est très chaud, n'est-ce pas ?",
        "🙂 emoji and symbols ∑ ∫ √ π ≈ 3.14159",
        "SELECT name, COUNT(*) FROM users GROUP BY name ORDER BY 2 DESC;",
        "   leading and trailing whitespace   ",
        "ALL CAPS SENTENCE WITH NUMBERS 12345 AND PUNCTUATION!!!",
        "e-mail: someone@example.com, url: https://example.org/path?q=1",
        "مرحبا بالعالم",
        "नमस्ते दुनिया",
        "Tab\tseparated\tvalues\nand new lines",
        "supercalifragilisticexpialidocious antidisestablishmentarianism"));
    String[] words = {"model", "embedding", "vector", "cluster", "spark", "retrieval", "query",
        "document", "training", "negative", "batch", "gradient", "attention", "token", "layer"};
    java.util.Random r = new java.util.Random(42);
    while (s.size() < 100) {
      int n = 1 + r.nextInt(40);
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < n; i++) {
        b.append(words[r.nextInt(words.length)]).append(i % 7 == 6 ? ". " : " ");
      }
      s.add(b.toString().trim());
    }
    for (int k = 0; k < 20; k++) {
      StringBuilder b = new StringBuilder();
      int n = 150 + 40 * k;      // 150 to 910 words: many exceed 256 tokens and are truncated
      for (int i = 0; i < n; i++) {
        b.append(words[r.nextInt(words.length)]).append(' ');
      }
      s.add(b.toString());
    }
    return s;
  }

  @Test
  void cosineWithOnnxRuntimeAtLeast09999OnEverySentence() {
    List<String> texts = sentences();
    TextTokenizer tok = ours.tokenizer();
    List<int[]> ids = new ArrayList<>();
    int truncated = 0;
    for (String t : texts) {
      TextTokenizer.Tokens tokens = tok.encode(t, 256);
      ids.add(tokens.ids());
      truncated += tokens.truncated() ? 1 : 0;
    }
    assertTrue(truncated >= 10, "the set must include truncated texts, has " + truncated);
    double worst = 1;
    for (int start = 0; start < ids.size(); start += 16) {
      List<int[]> batch = ids.subList(start, Math.min(ids.size(), start + 16));
      float[][] a = ours.embed(batch);
      float[][] b = onnx.embed(batch);
      for (int i = 0; i < batch.size(); i++) {
        double cos = Vectors.cosine(a[i], b[i]);
        worst = Math.min(worst, cos);
        assertTrue(cos >= 0.9999, "sentence " + (start + i) + " '" + texts.get(start + i)
            + "': cosine " + cos);
      }
    }
    System.out.printf("parity: worst cosine %.7f over %d sentences (%d truncated)%n", worst,
        texts.size(), truncated);
  }

  @Test
  void savedPretrainedCheckpointGivesIdenticalEmbeddings(@TempDir Path dir) throws Exception {
    NativeEmbedder pretrained = (NativeEmbedder) ours;
    String ckpt = dir.resolve("minilm").toString();
    Checkpoint.save(pretrained.encoder(), ours.tokenizer().json(), ours.modelId(), ckpt,
        new Configuration());
    assertTrue(Files.exists(dir.resolve("minilm").resolve(Checkpoint.PARAMS_FILE)));
    TextEmbedder reloaded = Models.load(ModelSpec.parse(ckpt), new Configuration(), 1);
    assertEquals(ours.modelHash(), reloaded.modelHash());
    List<int[]> ids = new ArrayList<>();
    for (String t : sentences().subList(0, 20)) {
      ids.add(reloaded.tokenizer().encode(t, 256).ids());
    }
    float[][] a = ours.embed(ids);
    float[][] b = reloaded.embed(ids);
    for (int i = 0; i < a.length; i++) {
      assertArrayEquals(a[i], b[i], 0f, "sentence " + i);
    }
  }

}
