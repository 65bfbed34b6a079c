package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.config.ModelConfig;
import io.omniembed.io.Checkpoint;
import io.omniembed.io.Models;
import io.omniembed.model.HfFixtures;
import io.omniembed.model.LoadedModel;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.TextEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs take {@code hf:PATH}: {@code embed} gives the imported model's vectors and notes that
 * the source had no Normalize module; {@code eval} and {@code prepare --negatives model} run on
 * it; {@code train --init hf:} fine-tunes a tiny imported model
 * with CLS pooling a few steps, and its checkpoint keeps the pooling and the prompts and embeds;
 * {@code soup} averages the import with that checkpoint; bad folders end the job with one line.
 */
class HfModelJobTest {

  private static final Configuration CONF = new Configuration();

  @Test
  void embedTrainAndSoupTakeAHuggingFaceFolder(@TempDir Path dir) throws Exception {
    Path hf = HfFixtures.tinyBert(dir.resolve("tiny-bert"), "cls", false);
    String model = "hf:" + hf;
    TextEmbedder direct = Models.load(ModelSpec.parse(model), CONF, 1);

    Path vectors = dir.resolve("vectors");
    JobRunner.Result embed = JobRunner.run("embed", "--model", model, "--input",
        EmbedJobTest.items(dir).toString(), "--out", vectors.toString(), "--master", "local[2]");
    assertEquals(0, embed.exitCode(), embed.err());
    Map<String, float[]> sample = sample(vectors);
    assertEquals(List.of("3", "a", "b", "long", "u"), sample.keySet().stream().sorted().toList());
    float[] expected = direct.embed(List.of(direct.tokenizer().encode("Spark runs batch jobs on"
        + " clusters.", direct.maxLength()).ids()))[0];
    assertArrayEquals(expected, sample.get("b"), 1e-6f);
    JsonNode summary = new ObjectMapper().readTree(vectors.resolve("_summary.json").toFile());
    assertEquals(model, summary.get("model_id").asText());
    assertEquals(direct.modelHash(), summary.get("model_hash").asText());
    assertTrue(summary.get("model_notes").get(0).asText().startsWith("the source has no"
        + " Normalize module"), summary.toString());

    Path report = dir.resolve("eval.json");
    JobRunner.Result eval = JobRunner.run("eval", "--model", model, "--benchmark",
        EvalJobTest.benchmark(dir).toString(), "--out", report.toString(), "--master",
        "local[2]");
    assertEquals(0, eval.exitCode(), eval.err());
    JsonNode r = new ObjectMapper().readTree(report.toFile());
    assertEquals(model, r.get("model").asText());
    assertEquals(direct.modelHash(), r.get("model_hash").asText());
    assertEquals(8, r.get("dim").asInt());
    assertTrue(r.get("metrics").has("ndcg@10"), r.toString());

    Path mined = dir.resolve("mined");
    JobRunner.Result prepare = JobRunner.run("prepare", "--pairs",
        PrepareJobTest.pairs(dir).toString(), "--negatives", "model", "--model", model,
        "--num-negatives", "1", "--rank-range", "1:5", "--out", mined.toString(), "--master",
        "local[2]");
    assertEquals(0, prepare.exitCode(), prepare.err());
    // A random tiny model scores every candidate close to the positive, so the false-negative
    // filter may drop them all: what is checked here is that mining ran on the imported model.
    assertEquals(22, PrepareJobTest.triplets(mined).size());
    JsonNode mining = new ObjectMapper().readTree(mined.resolve("_summary.json").toFile());
    assertEquals("model", mining.get("negatives").asText());
    assertTrue(mining.get("negatives_mined").asInt()
        + mining.get("candidates_removed").get("above_relative_score").asInt() > 0,
        "the model scored candidates: " + mining);

    Path trained = dir.resolve("trained");
    JobRunner.Result train = JobRunner.run("train", "--data",
        TrainJobTest.data(dir).toString(), "--init", model, "--out", trained.toString(),
        "--master", "local[2]", "--set", "train.steps=4", "--set", "train.batch_size=4",
        "--set", "train.checkpoint_every=2", "--set", "train.log_every=1", "--set",
        "train.lr=1e-2", "--set", "train.warmup_steps=1");
    assertEquals(0, train.exitCode(), train.err());
    LoadedModel imported = Models.loaded(ModelSpec.parse(model), 0, CONF);
    LoadedModel tuned = Checkpoint.load(trained.resolve("final").toString(), CONF);
    assertEquals(ModelConfig.Pooling.CLS, tuned.encoder().config().pooling());
    assertEquals(imported.encoder().config(), tuned.encoder().config());
    // the import's prompts, then the task strings of the tasks it was trained on
    java.util.Map<String, String> prompts =
        new java.util.LinkedHashMap<>(HfFixtures.TINY_PROMPTS);
    prompts.put("define", "task: define | query: ");
    prompts.put("name", "task: name | query: ");
    assertEquals(prompts, tuned.prompts());
    assertEquals("doc", tuned.card().defaultPromptName());
    float[] before = imported.encoder().store().toFloatArray();
    float[] after = tuned.encoder().store().toFloatArray();
    int changed = 0;
    for (int i = 0; i < before.length; i++) {
      changed += before[i] != after[i] ? 1 : 0;
    }
    assertTrue(changed > before.length / 100, "training changed " + changed + " of "
        + before.length + " parameters");
    TextEmbedder tunedEmbedder = Models.load(ModelSpec.parse(trained.resolve("final")
        .toString()), CONF, 1);
    assertEquals(prompts, tunedEmbedder.prompts());
    float[] v = tunedEmbedder.embed(List.of(tunedEmbedder.tokenizer().encode("what is a river",
        16).ids()))[0];
    double norm = 0;
    for (float x : v) {
      assertTrue(Float.isFinite(x));
      norm += x * x;
    }
    assertEquals(1.0, norm, 1e-5);

    Path soup = dir.resolve("soup");
    JobRunner.Result souped = JobRunner.run("soup", "--inputs", model,
        trained.resolve("final").toString(), "--out", soup.toString(), "--master", "local[2]");
    assertEquals(0, souped.exitCode(), souped.err());
    float[] mean = Checkpoint.load(soup.toString(), CONF).encoder().store().toFloatArray();
    for (int i = 0; i < mean.length; i += 997) {
      assertEquals((before[i] + after[i]) / 2, mean[i], 1e-6f, "parameter " + i);
    }
  }

  @Test
  void badFoldersEndTheJobWithOneLine(@TempDir Path dir) throws Exception {
    Path hf = HfFixtures.tinyBert(dir.resolve("m"), "max", true);
    JobRunner.Result train = JobRunner.run("train", "--data", TrainJobTest.data(dir).toString(),
        "--init", "hf:" + hf, "--out", dir.resolve("t").toString(), "--master", "local[2]");
    assertEquals(1, train.exitCode());
    assertEquals("omniembed train: error: " + hf + "/1_Pooling/config.json: pooling mode max is"
        + " not supported; supported: cls, mean", train.err());

    Files.delete(hf.resolve("config.json"));
    JobRunner.Result embed = JobRunner.run("embed", "--model", "hf:" + hf, "--input",
        EmbedJobTest.items(dir).toString(), "--out", dir.resolve("v").toString(), "--master",
        "local[2]");
    assertEquals(1, embed.exitCode());
    assertEquals("omniembed embed: error: " + hf + "/config.json: no such file (a Hugging Face"
        + " encoder folder holds config.json, tokenizer.json and model.safetensors or"
        + " model.onnx)", embed.err());
  }

  /** The _sample.jsonl rows (every embedded row of a small input): id → vector. */
  private static Map<String, float[]> sample(Path out) throws Exception {
    Map<String, float[]> m = new HashMap<>();
    for (String line : Files.readAllLines(out.resolve("_sample.jsonl"))) {
      JsonNode n = new ObjectMapper().readTree(line);
      List<Float> v = new ArrayList<>();
      n.get("embedding").forEach(x -> v.add((float) x.asDouble()));
      float[] a = new float[v.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = v.get(i);
      }
      m.put(n.get("id").asText(), a);
    }
    return m;
  }
}
