package io.omniembed.jobs;

import io.omniembed.model.Vectors;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.Item;
import io.omniembed.data.Modality;
import io.omniembed.data.Part;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Encoder;
import io.omniembed.io.Models;
import io.omniembed.model.ItemSequencer;
import io.omniembed.model.ModelCard;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.NativeEmbedder;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.layer.Sequence;
import io.omniembed.model.onnx.ExportFixtures;
import io.omniembed.model.onnx.ExportedEmbedder;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export} end to end: a media checkpoint and the pretrained model exported in both
 * precisions, the written graph run by ONNX Runtime against the encoder; a checkpoint with prompts
 * exported for sentence-transformers and imported back with {@code hf:}; and every refusal — one
 * line, exit code 1, nothing written into {@code --out}.
 */
class ExportJobTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TextTokenizer TOK = TextTokenizer.bundledMiniLm();
  private static final List<String> FILES = List.of("model.onnx", "omniembed.json",
      "tokenizer.json");

  @Test
  void aMediaCheckpointExportsAGraphThatEmbedsLikeTheEncoder(@TempDir Path dir)
      throws Exception {
    Encoder encoder = Encoder.randomInit(ModelConfig.preset("tiny-media"), 5);
    Path ckpt = dir.resolve("ckpt");
    Checkpoint.save(encoder, TextTokenizer.readBundled(), "random:tiny-media", ckpt.toString(),
        new Configuration());
    for (String precision : List.of("fp32", "int8")) {
      Path out = dir.resolve("export-" + precision);
      JobRunner.Result r = JobRunner.run("export", "--model", ckpt.toString(), "--format", "onnx",
          "--out", out.toString(), "--precision", precision);
      assertEquals(0, r.exitCode(), r.err());
      assertEquals(FILES, list(out));
      assertArrayEquals(TextTokenizer.readBundled(), Files.readAllBytes(out.resolve(
          "tokenizer.json")));

      byte[] graph = Files.readAllBytes(out.resolve("model.onnx"));
      JsonNode m = JSON.readTree(out.resolve("omniembed.json").toFile());
      assertEquals("omniembed-onnx-v1", m.get("format").asText());
      assertEquals("random:tiny-media", m.get("model_id").asText());
      assertEquals(Checkpoint.hash(encoder.store()), m.get("model_hash").asText());
      assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(graph)),
          m.get("graph").get("sha256").asText());
      assertEquals(17, m.get("graph").get("opset").asInt());
      assertEquals(precision, m.get("precision").asText());
      assertEquals(precision.equals("int8"), m.has("quantization"));
      assertEquals(32, m.get("output_dim").asInt());
      assertEquals("[8,16,32]", m.get("matryoshka_dims").toString());
      assertEquals(64, m.get("max_length").asInt());
      assertEquals("mean", m.get("pooling").asText());
      assertEquals("l2", m.get("normalization").asText());
      assertEquals(List.of("input_ids", "attention_mask", "patches", "modality_ids",
          "frame_ids"), names(m.get("inputs")));
      assertEquals("[\"batch\",\"sequence\",192]", m.get("inputs").get(2).get("shape")
          .toString());
      JsonNode media = m.get("media");
      assertEquals(192, media.get("patch_width").asInt());       // 8·8·3 image and video patches
      assertEquals(128, media.get("patch_dims").get("audio").asInt());   // 16 mel bins × 8 frames
      assertEquals(3, media.get("modality_ids").get("video").asInt());
      assertEquals(16, media.get("max_audio_patches").asInt());

      // The written graph embeds text and media as the encoder does.
      ItemSequencer sequencer = new ItemSequencer(TOK, encoder.config().media(), "m", 64, 128);
      List<Sequence> batch = new ArrayList<>();
      batch.add(sequencer.sequence(Item.text("t", "a short text"), p -> p.bytes()));
      batch.add(sequencer.sequence(new Item("v", List.of(new Part.Text("a clip and a tone"),
          new Part.Media(Modality.VIDEO, null, ExportFixtures.gif(4,
              Color.RED)),
          new Part.Media(Modality.AUDIO, null, ExportFixtures.wav(
              440, 0.5)))), p -> p.bytes()));
      float[][] want = new NativeEmbedder(encoder, TOK, "m", "h").embedSequences(batch);
      try (ExportedEmbedder onnx = new ExportedEmbedder(graph, encoder.config(), TOK, "m", "h",
          1)) {
        float[][] got = onnx.embedSequences(batch);
        for (int i = 0; i < want.length; i++) {
          double cos = Vectors.cosine(want[i], got[i]);
          assertTrue(cos >= (precision.equals("fp32") ? 0.99999 : 0.99), precision + " " + cos);
        }
      }
    }
    assertEquals(List.of("ckpt", "export-fp32", "export-int8"), list(dir));   // no temp dirs
  }

  @Test
  void thePretrainedModelExportsAsATextGraph(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("minilm");
    JobRunner.Result r = JobRunner.run("export", "--model", "pretrained:all-MiniLM-L6-v2",
        "--format", "onnx", "--out", out.toString(), "--precision", "int8");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(FILES, list(out));
    JsonNode m = JSON.readTree(out.resolve("omniembed.json").toFile());
    assertEquals("pretrained:all-MiniLM-L6-v2", m.get("model_id").asText());
    assertEquals(384, m.get("output_dim").asInt());
    assertEquals(256, m.get("max_length").asInt());
    assertEquals(List.of("input_ids", "attention_mask"), names(m.get("inputs")));
    assertTrue(m.get("media").isNull());
    // int8 weights: the graph is well under the 90 MB of float32 parameters
    long size = Files.size(out.resolve("model.onnx"));
    assertTrue(size < 65_000_000L, "int8 graph of " + size + " bytes");
  }

  @Test
  void refusalsAreOneLineAndWriteNothing(@TempDir Path dir) throws Exception {
    Path ckpt = dir.resolve("ckpt");
    Checkpoint.save(Encoder.randomInit(ModelConfig.preset("tiny"), 7),
        TextTokenizer.readBundled(), "random:tiny", ckpt.toString(), new Configuration());

    Path full = dir.resolve("full");
    Files.createDirectories(full);
    Files.writeString(full.resolve("keep.txt"), "already here");
    refused("omniembed export: error: output " + full + " already exists and is not empty;"
        + " choose another --out", "--model", ckpt.toString(), "--format", "onnx", "--out",
        full.toString());
    assertEquals(List.of("keep.txt"), list(full));

    Path out = dir.resolve("out");
    refused("omniembed export: error: --precision takes fp32 or int8, not 'fp16'", "--model",
        ckpt.toString(), "--format", "onnx", "--out", out.toString(), "--precision", "fp16");
    refused("omniembed export: error: --format takes onnx or sentence-transformers, not"
        + " 'tflite'", "--model",
        ckpt.toString(), "--format", "tflite", "--out", out.toString());
    refused("omniembed export: error: model " + dir.resolve("missing")
        + ": no such checkpoint directory", "--model", dir.resolve("missing").toString(),
        "--format", "onnx", "--out", out.toString());
    refused("omniembed export: error: export --model takes a checkpoint directory, hf:PATH or"
        + " pretrained:all-MiniLM-L6-v2, not 'random:tiny'", "--model", "random:tiny",
        "--format", "onnx", "--out", out.toString());

    // a checkpoint whose parameters were cut short cannot load
    Path params = ckpt.resolve(Checkpoint.PARAMS_FILE);
    byte[] bytes = Files.readAllBytes(params);
    Files.write(params, Arrays.copyOf(bytes, bytes.length - 8));
    JobRunner.Result cut = JobRunner.run("export", "--model", ckpt.toString(), "--format",
        "onnx", "--out", out.toString());
    assertEquals(1, cut.exitCode());
    assertEquals(1, cut.err().lines().count(), cut.err());
    assertTrue(cut.err().startsWith("omniembed export: error: " + params + ": "), cut.err());
    assertFalse(Files.exists(out));
    // a directory left empty is a valid output
    Files.createDirectories(out);
    Files.write(params, bytes);
    assertEquals(0, JobRunner.run("export", "--model", ckpt.toString(), "--format", "onnx",
        "--out", out.toString()).exitCode());
    assertEquals(FILES, list(out));
    assertEquals(List.of("ckpt", "full", "out"), list(dir));
  }

  @Test
  void aCheckpointExportsForSentenceTransformersAndImportsBackWithItsPrompts(@TempDir Path dir)
      throws Exception {
    Encoder encoder = Encoder.randomInit(ModelConfig.preset("tiny"), 13);
    Map<String, String> prompts = Map.of("retrieval", "Retrieve the passage for: ");
    Path ckpt = dir.resolve("ckpt");
    Checkpoint.save(encoder, TextTokenizer.readBundled(), new ModelCard(prompts, null,
        List.of()), "trained", ckpt.toString(), Map.of(), new Configuration());
    Path out = dir.resolve("st");
    JobRunner.Result r = JobRunner.run("export", "--model", ckpt.toString(), "--format",
        "sentence-transformers", "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(List.of("1_Pooling", "2_Dense", "3_Normalize", "config.json",
        "config_sentence_transformers.json", "model.safetensors", "modules.json",
        "sentence_bert_config.json", "tokenizer.json", "tokenizer_config.json"), list(out));
    assertEquals(List.of(), list(out.resolve("3_Normalize")));
    assertEquals(List.of("ckpt", "st"), list(dir));   // no temp dirs

    TextEmbedder back = Models.load(ModelSpec.parse("hf:" + out), new Configuration(), 1);
    assertEquals(prompts, back.prompts());
    assertEquals(32, back.dim());
    List<int[]> ids = new ArrayList<>();
    for (String t : List.of("a short text", "Retrieve the passage for: what is spark?", "x")) {
      ids.add(TOK.encode(t, 64).ids());
    }
    float[][] want = new NativeEmbedder(encoder, TOK, "m", "h").embed(ids);
    float[][] got = back.embed(ids);
    for (int i = 0; i < want.length; i++) {
      double cos = Vectors.cosine(want[i], got[i]);
      assertTrue(cos >= 0.999999, "text " + i + ": " + cos);
    }
  }

  @Test
  void sentenceTransformersRefusalsAreOneLine(@TempDir Path dir) throws Exception {
    Path media = dir.resolve("media");
    Checkpoint.save(Encoder.randomInit(ModelConfig.preset("tiny-media"), 5),
        TextTokenizer.readBundled(), "random:tiny-media", media.toString(), new Configuration());
    Path out = dir.resolve("out");
    refused("omniembed export: error: model " + media + " has image, audio and video towers;"
        + " the sentence-transformers format holds a text encoder only (export it with --format"
        + " onnx)", "--model", media.toString(), "--format", "sentence-transformers", "--out",
        out.toString());
    refused("omniembed export: error: --precision int8 is for --format onnx; --format"
        + " sentence-transformers writes the float32 weights", "--model",
        "pretrained:all-MiniLM-L6-v2", "--format", "sentence-transformers", "--out",
        out.toString(), "--precision", "int8");
    Path full = dir.resolve("full");
    Files.createDirectories(full);
    Files.writeString(full.resolve("keep.txt"), "already here");
    refused("omniembed export: error: output " + full + " already exists and is not empty;"
        + " choose another --out", "--model", "pretrained:all-MiniLM-L6-v2", "--format",
        "sentence-transformers", "--out", full.toString());
    assertEquals(List.of("keep.txt"), list(full));
    assertEquals(List.of("full", "media"), list(dir));
  }

  private static void refused(String message, String... args) throws Exception {
    String[] all = new String[args.length + 1];
    all[0] = "export";
    System.arraycopy(args, 0, all, 1, args.length);
    JobRunner.Result r = JobRunner.run(all);
    assertEquals(1, r.exitCode(), r.err());
    assertEquals(message, r.err());
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--out") && !args[i + 1].endsWith("full")) {
        assertFalse(Files.exists(Path.of(args[i + 1])), args[i + 1] + " was written");
      }
    }
  }

  private static List<String> names(JsonNode tensors) {
    List<String> n = new ArrayList<>();
    tensors.forEach(t -> n.add(t.get("name").asText()));
    return n;
  }

  /** Every entry of a directory, hidden ones included, sorted. */
  private static List<String> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
