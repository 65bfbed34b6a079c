package io.omniembed.jobs;

import io.omniembed.model.Vectors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.Checkpoint;
import io.omniembed.io.EmbeddingParquet;
import io.omniembed.io.Models;
import io.omniembed.io.OnnxGraphCache;
import io.omniembed.model.Encoder;
import io.omniembed.model.LoadedModel;
import io.omniembed.model.ModelCard;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.Inference;
import io.omniembed.model.onnx.Precision;
import io.omniembed.model.onnx.ExportFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --engine}, {@code --precision}: the model on ONNX Runtime (its exported graph, cached
 * once per model) against the own encoder, what the outputs record, and the refusals.
 */
class EngineTest {

  private static final String MODEL = EmbedJobTest.MODEL;

  @Test
  void onnxRuntimeGivesTheEncodersVectorsAndInt8IsClose() {
    Configuration conf = new Configuration();
    TextEmbedder nd4j = Models.load(ModelSpec.parse(MODEL), Inference.NATIVE, conf, 2);
    TextEmbedder fp32 = Models.load(ModelSpec.parse(MODEL), Inference.DEFAULT, conf, 2);
    TextEmbedder int8 = Models.load(ModelSpec.parse(MODEL),
        Inference.parse("onnx", "int8", "cpu"), conf, 2);
    assertEquals("nd4j", nd4j.engine());
    assertEquals("onnx", fp32.engine());
    assertEquals("fp32", fp32.precision());
    assertEquals("int8", int8.precision());
    assertEquals(nd4j.modelHash(), fp32.modelHash(), "the hash is the parameters', any engine");
    List<int[]> ids = new ArrayList<>();
    for (String t : ExportFixtures.texts().subList(0, 48)) {
      ids.add(nd4j.tokenizer().encode(t, 256).ids());
    }
    double worstFp32 = 1;
    double worstInt8 = 1;
    for (int s = 0; s < ids.size(); s += 16) {
      List<int[]> batch = ids.subList(s, s + 16);
      float[][] want = nd4j.embed(batch);
      float[][] a = fp32.embed(batch);
      float[][] b = int8.embed(batch);
      for (int i = 0; i < batch.size(); i++) {
        worstFp32 = Math.min(worstFp32, Vectors.cosine(want[i], a[i]));
        worstInt8 = Math.min(worstInt8, Vectors.cosine(want[i], b[i]));
      }
    }
    System.out.printf("ENGINE minilm onnx fp32 worst=%.9f int8 worst=%.5f%n", worstFp32,
        worstInt8);
    assertTrue(worstFp32 >= 0.99999, "fp32 " + worstFp32);
    assertTrue(worstInt8 >= 0.99 && worstInt8 < 0.999999, "int8 " + worstInt8);
  }

  @Test
  void theGraphIsExportedOncePerModelAndConfig(@TempDir Path dir) throws Exception {
    String previous = System.getProperty("omniembed.onnx.cache");
    System.setProperty("omniembed.onnx.cache", dir.resolve("cache").toString());
    try {
      Encoder e = Encoder.randomInit(ModelConfig.preset("tiny"), 3);
      LoadedModel model = new LoadedModel(e, TextTokenizer.readBundled(), "random:tiny",
          Checkpoint.hash(e.store()));
      Path file = dir.resolve("cache").resolve(OnnxGraphCache.key(model, Precision.FP32)
          + ".onnx");
      byte[] first = OnnxGraphCache.graph(model, Precision.FP32);
      assertTrue(Files.isRegularFile(file), "cached at " + file);
      // A second call reads the file: a marker written into it comes back.
      Files.write(file, new byte[] {1, 2, 3});
      assertEquals(3, OnnxGraphCache.graph(model, Precision.FP32).length);
      assertTrue(first.length > 1000);
      // Another precision, or the same parameters under another config, is another graph.
      assertFalse(OnnxGraphCache.key(model, Precision.FP32).equals(
          OnnxGraphCache.key(model, Precision.INT8)));
      ModelConfig t = e.config();
      ModelConfig cls = new ModelConfig(t.name(), t.vocabSize(), t.hidden(), t.layers(),
          t.heads(), t.ffn(), t.maxPositions(), t.modalities(), t.outputDim(), t.layerNormEps(),
          t.maxLength(), t.matryoshkaDims(), null, ModelConfig.Pooling.CLS, 0);
      LoadedModel other = new LoadedModel(new Encoder(cls, e.store()),
          TextTokenizer.readBundled(), "random:tiny", model.hash());
      assertFalse(OnnxGraphCache.key(model, Precision.FP32).equals(
          OnnxGraphCache.key(other, Precision.FP32)));
      try (Stream<Path> files = Files.list(dir.resolve("cache"))) {
        assertEquals(List.of(file.getFileName().toString()),
            files.map(p -> p.getFileName().toString()).toList(), "no partial files left");
      }
    } finally {
      if (previous == null) {
        System.clearProperty("omniembed.onnx.cache");
      } else {
        System.setProperty("omniembed.onnx.cache", previous);
      }
    }
  }

  @Test
  void embedRecordsTheEngineAndResumesOnlyWithTheSame(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("items.jsonl");
    Files.writeString(in, "{\"id\": \"a\", \"text\": \"how do I read a parquet file\"}\n"
        + "{\"id\": \"b\", \"text\": \"spark runs batch jobs\"}\n");
    Path out = dir.resolve("v");
    String model = tinyCheckpoint(dir.resolve("tiny"), ModelCard.NONE);
    JobRunner.Result r = JobRunner.run("embed", "--model", model, "--input", in.toString(),
        "--out", out.toString(), "--precision", "int8", "--master", "local[1]");
    assertEquals(0, r.exitCode(), r.err());
    Path parquet;
    try (Stream<Path> files = Files.list(out)) {
      parquet = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
        new org.apache.hadoop.fs.Path(parquet.toString()), new Configuration()))) {
      Map<String, String> meta = reader.getFooter().getFileMetaData().getKeyValueMetaData();
      assertEquals("onnx", meta.get(EmbeddingParquet.ENGINE));
      assertEquals("int8", meta.get(EmbeddingParquet.ENGINE_PRECISION));
    }
    JsonNode summary = new ObjectMapper().readTree(out.resolve("_summary.json").toFile());
    assertEquals("onnx", summary.get("engine").asText());
    assertEquals("int8", summary.get("engine_precision").asText());

    Files.delete(out.resolve("_SUCCESS"));
    JobRunner.Result again = JobRunner.run("embed", "--model", model, "--input", in.toString(),
        "--out", out.toString(), "--engine", "nd4j", "--master", "local[1]");
    assertEquals(1, again.exitCode());
    assertTrue(again.err().contains("engine (--engine, --precision): onnx int8 vs nd4j fp32"),
        again.err());
  }

  @Test
  void evalReportsTheEngineAndATaskStringWithAndWithout(@TempDir Path dir) throws Exception {
    Path bench = EvalJobTest.benchmark(dir);
    String model = tinyCheckpoint(dir.resolve("ckpt"), new ModelCard(Map.of("general",
        "Represent this sentence for searching relevant passages: "), null, List.of()));
    Path out = dir.resolve("eval.json");
    JobRunner.Result r = JobRunner.run("eval", "--model", model, "--benchmark",
        bench.toString(), "--out", out.toString(), "--master", "local[2]");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode report = new ObjectMapper().readTree(out.toFile());
    assertEquals("onnx", report.get("engine").asText());
    assertEquals("fp32", report.get("engine_precision").asText());
    JsonNode variants = report.get("metrics_by_query_prompt");
    assertEquals(List.of("none", "general"), fieldNames(variants));
    assertEquals(report.get("metrics"), variants.get("none"), "the default run has no prompt");

    // The variant equals a run asked for with that prompt.
    Path named = dir.resolve("named.json");
    JobRunner.Result n = JobRunner.run("eval", "--model", model, "--benchmark",
        bench.toString(), "--out", named.toString(), "--query-prompt", "general",
        "--master", "local[2]");
    assertEquals(0, n.exitCode(), n.err());
    JsonNode asked = new ObjectMapper().readTree(named.toFile());
    assertFalse(asked.has("metrics_by_query_prompt"));
    assertEquals(asked.get("metrics").get("mrr@10").asDouble(),
        variants.get("general").get("mrr@10").asDouble(), 1e-9);
  }

  @Test
  void combinationsThatCannotRunAreRefused(@TempDir Path dir) throws Exception {
    IllegalArgumentException nd4jInt8 = assertThrows(IllegalArgumentException.class,
        () -> Inference.parse("nd4j", "int8", "cpu"));
    assertEquals("--precision int8 runs on ONNX Runtime; --engine nd4j (the own encoder) runs"
        + " fp32 only: give --engine onnx or auto", nd4jInt8.getMessage());
    assertEquals("--engine takes auto, onnx, nd4j, not 'torch'", assertThrows(
        IllegalArgumentException.class, () -> Inference.parse("torch", "fp32", "cpu"))
        .getMessage());
    Path in = dir.resolve("items.jsonl");
    Files.writeString(in, "{\"id\": \"a\", \"text\": \"x\"}\n");
    JobRunner.Result r = JobRunner.run("embed", "--model", MODEL, "--input", in.toString(),
        "--out", dir.resolve("v").toString(), "--engine", "nd4j", "--precision", "int8");
    assertEquals(1, r.exitCode());
    assertEquals("omniembed embed: error: " + nd4jInt8.getMessage(), r.err());
    assertFalse(Files.exists(dir.resolve("v")));
    JobRunner.Result onnx = JobRunner.run("embed", "--model", "onnx:all-MiniLM-L6-v2", "--input",
        in.toString(), "--out", dir.resolve("w").toString(), "--precision", "int8");
    assertEquals(1, onnx.exitCode());
    assertTrue(onnx.err().contains("is the published ONNX file, run as it is"), onnx.err());
    IllegalArgumentException ml = assertThrows(IllegalArgumentException.class,
        () -> new io.omniembed.ml.Embedder().setModelPath(MODEL).setEngine("nd4j")
            .setPrecision("int8").model());
    assertTrue(ml.getMessage().startsWith("Embedder: param precision int8 runs on ONNX Runtime"),
        ml.getMessage());
  }

  /** A random {@code tiny} checkpoint carrying {@code card}: its directory. */
  private static String tinyCheckpoint(Path dir, ModelCard card) throws Exception {
    Encoder e = Encoder.randomInit(ModelConfig.preset("tiny"), 7);
    Checkpoint.save(e, TextTokenizer.readBundled(), card, "random:tiny", dir.toString(),
        Map.of(), new Configuration());
    return dir.toString();
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }

}
