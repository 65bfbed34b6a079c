package io.omniembed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.config.ModelConfig;
import io.omniembed.config.TaskConfig;
import io.omniembed.config.TrainConfig;
import io.omniembed.data.TrainingExample;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.SourcedRecord;
import io.omniembed.model.Encoder;
import io.omniembed.model.ItemSequencer;
import io.omniembed.model.layer.TokenBatch;
import io.omniembed.model.layer.Workspace;
import io.omniembed.train.collective.Collective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A distillation task mixed with an NCE task in one run of the tiny preset: each batch takes its
 * task's loss, and the distillation loss falls. The teacher is another tiny encoder (another
 * seed), frozen; its embeddings of the sources are computed once, as the embed job would.
 */
class DistillationTrainingTest {

  static final String[][] PAIRS = {{"the river is wide", "der fluss ist breit"},
      {"open the castle gate", "öffne das burgtor"}, {"the candle burns", "die kerze brennt"},
      {"a pencil on the desk", "ein bleistift auf dem tisch"}, {"the garden in spring",
      "der garten im frühling"}, {"a tunnel under the hill", "ein tunnel unter dem hügel"},
      {"the harbor at night", "der hafen bei nacht"}, {"pepper and salt", "pfeffer und salz"}};

  static final ObjectMapper JSON = new ObjectMapper();

  /** The teacher's embedding of each source, [PAIRS][D]. */
  static float[][] teacher(TextTokenizer tok) {
    Encoder teacher = Encoder.randomInit(ModelConfig.preset("tiny"), 99);
    List<io.omniembed.model.layer.Sequence> sources = new ArrayList<>();
    for (String[] p : PAIRS) {
      sources.add(TokenizedExample.of(TrainingExample.parse("{\"task\":\"t\",\"query\":\""
          + p[0] + "\",\"positive\":\"x\"}"), "", tok, 16).queryBare());
    }
    return teacher.forward(TokenBatch.of(sources), new Workspace(teacher.store().dataType()),
        false).toFloatMatrix();
  }

  static String row(String[] pair, float[] teacher) {
    var n = JSON.createObjectNode();
    n.put("task", "distill-de").put("source", pair[0]).put("translation", pair[1])
        .put("lang", "de");
    var t = n.putArray("teacher");
    for (float v : teacher) {
      t.add(v);
    }
    return n.toString();
  }

  @Test
  void theDistillationLossFallsInARunMixedWithAnNceTask(@TempDir Path out) throws Exception {
    TextTokenizer tok = TextTokenizer.bundledMiniLm();
    float[][] teacher = teacher(tok);
    List<TokenizedExample> distill = new ArrayList<>();
    for (int i = 0; i < PAIRS.length; i++) {
      distill.add(TokenizedExample.of(TrainingExample.parse(row(PAIRS[i], teacher[i])),
          "unused", tok, 16));
    }
    List<TokenizedExample> nce = new ArrayList<>();
    for (String w : TrainingRunTest.WORDS) {
      nce.add(TokenizedExample.of(TrainingExample.parse("{\"task\":\"t\",\"query\":\"which"
          + " word is " + w + "\",\"positive\":\"" + w + "\"}"), "task: t | query: ", tok, 16));
    }
    int steps = 40;
    Map<String, TaskConfig> mix = new LinkedHashMap<>();
    mix.put("t", new TaskConfig("t", "task: t | query: ", 1.0, 8));
    mix.put("distill-de", new TaskConfig("distill-de", "", 1.0, 8));
    TrainConfig cfg = TrainConfig.resolve(null, null, List.of("train.steps=" + steps,
        "train.lr=2e-3", "train.warmup_steps=2", "train.checkpoint_every=1000",
        "train.log_every=1000", "train.task_string_dropout=0", "seed=1"), null).withTasks(mix);
    Encoder student = Encoder.randomInit(ModelConfig.preset("tiny"), 3);
    List<String> metrics = new ArrayList<>();
    new TrainingRun(cfg, student, TextTokenizer.readBundled(), "toy", out.toString(),
        new Configuration(), Collective.single())
        .run(0, AdamW.of(student.store(), cfg), metrics,
            TrainingRun.fromPools(cfg, Map.of("t", nce, "distill-de", distill), 0, 0, 1));
    List<Double> distillLoss = new ArrayList<>();
    List<Double> nceLoss = new ArrayList<>();
    for (String line : metrics) {
      JsonNode m = JSON.readTree(line);
      (m.get("task").asText().equals("t") ? nceLoss : distillLoss).add(m.get("loss").asDouble());
      if (m.get("task").asText().equals("distill-de")) {
        assertEquals(1, m.get("loss_by_dim").size(), "the MSE is on the full dimension only");
      }
    }
    assertTrue(distillLoss.size() >= 10 && nceLoss.size() >= 10, "both tasks drawn: "
        + distillLoss.size() + " distillation, " + nceLoss.size() + " NCE steps");
    // Two independent random encoders: each side's ‖M(s) − M̂(x)‖² = 2 − 2cos, so 4 at most
    // for both. Measured (14 distillation and 26 NCE steps): 2.98 at the first distillation
    // step, 0.30 over the last five; NCE 6.35 to 0.51.
    double first = distillLoss.get(0);
    double last = distillLoss.subList(distillLoss.size() - 5, distillLoss.size()).stream()
        .mapToDouble(Double::doubleValue).average().orElseThrow();
    assertTrue(first > 1, "an untrained student is far from the teacher: " + first);
    assertTrue(last < 0.25 * first, "distillation loss " + first + " at its first step, " + last
        + " over its last five: " + distillLoss);
    double nceLast = nceLoss.subList(nceLoss.size() - 5, nceLoss.size()).stream()
        .mapToDouble(Double::doubleValue).average().orElseThrow();
    assertTrue(nceLast < 0.5 * nceLoss.get(0), "the NCE task still learns: " + nceLoss);
  }

  @Test
  void aTeacherOfAnotherDimensionStopsTrainingNamingTheRowAndBothDimensions() {
    TextTokenizer tok = TextTokenizer.bundledMiniLm();
    String record = row(PAIRS[0], new float[] {0.6f, 0.8f, 0f});
    TrainConfig cfg = TrainConfig.resolve(null, null, List.of("train.steps=1"), null)
        .withTasks(Map.of("distill-de", new TaskConfig("distill-de", "", 1.0, 1)));
    StepStream stream = new StepStream(List.of(new ScheduledExample(1, 0,
        new SourcedRecord("file:/data/pairs.jsonl", record))).iterator(), cfg, 0, 1, 0,
        new ItemSequencer(tok, null, "text model", 16, 16), (part, source) -> {
          throw new AssertionError("no media");
        }, 32);
    TrainingStopped e = assertThrows(TrainingStopped.class, stream::next);
    assertEquals("file:/data/pairs.jsonl: the example of step 1 slot 0 cannot be used: the"
        + " teacher embedding has dimension 3, the student's output 32 (record "
        + record.substring(0, 80) + "…)", e.getMessage());
  }

  @Test
  void aDistillationStepOnTwoHalvesEqualsOneOnTheWhole() throws Exception {
    TextTokenizer tok = TextTokenizer.bundledMiniLm();
    float[][] teacher = teacher(tok);
    List<TokenizedExample> rows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      rows.add(TokenizedExample.of(TrainingExample.parse(row(PAIRS[i], teacher[i])), "", tok,
          16));
    }
    Encoder whole = Encoder.randomInit(ModelConfig.preset("tiny"), 5);
    double loss = new DistillationStep(whole, 0, Collective.single()).run(1, rows).loss();
    float[] g = grads(whole);
    Encoder chunked = Encoder.randomInit(ModelConfig.preset("tiny"), 5);
    double chunkedLoss = new DistillationStep(chunked, 4, Collective.single()).run(1, rows)
        .loss();
    float[] gc = grads(chunked);
    assertEquals(loss, chunkedLoss, 1e-5 * loss);
    double worst = 0;
    double norm = 0;
    for (int i = 0; i < g.length; i++) {
      worst = Math.max(worst, Math.abs(g[i] - gc[i]));
      norm = Math.max(norm, Math.abs(g[i]));
    }
    assertTrue(norm > 0 && worst < 1e-5 * norm + 1e-7, "max |Δgrad| " + worst + " of " + norm);
  }

  private static float[] grads(Encoder e) {
    java.nio.FloatBuffer b = ((java.nio.FloatBuffer) e.store().gradBuffer()).duplicate();
    b.rewind();
    float[] out = new float[b.remaining()];
    b.get(out);
    return Arrays.copyOf(out, out.length);
  }
}
