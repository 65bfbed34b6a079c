package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.Modality;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Encoder;
import io.omniembed.model.layer.ParamStore;
import io.omniembed.pipeline.LockedTextJoin;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SaveMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The locked-text phase end to end on tiny presets: lit-texts, the text teacher's embed,
 * join-teacher --lit, then a few steps of train on the lit-* tasks with the text side frozen —
 * the text-only parameters unchanged bit for bit while the shared and media ones move, the loss
 * falling — and every bad input refused naming its row and file.
 */
class LockedTextJobTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Color[] COLORS = {Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW,
      Color.BLACK, Color.ORANGE};
  private static final String[] NAMES = {"red", "green", "blue", "yellow", "black", "orange"};

  /**
   * Six text2image and six audio2text pairs with relative media paths, and one pair of two
   * texts (not a media pair).
   */
  static Path pairs(Path dir) throws Exception {
    Path media = dir.resolve("media");
    Files.createDirectories(media);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < NAMES.length; i++) {
      Files.write(media.resolve(NAMES[i] + ".png"), MultimodalJobTest.png(COLORS[i], 24, 16));
      Files.write(media.resolve(NAMES[i] + ".wav"), MultimodalJobTest.wav(200 + 150 * i, 0.6));
      lines.add(JSON.writeValueAsString(Map.of("task", "text2image", "query",
          "a " + NAMES[i] + " square", "positive", Map.of("image", "media/" + NAMES[i]
          + ".png"))));
      lines.add(JSON.writeValueAsString(Map.of("task", "audio2text", "query",
          Map.of("audio", "media/" + NAMES[i] + ".wav"), "positive", "tone number " + i)));
    }
    lines.add("{\"task\":\"text2image\",\"query\":\"a caption\",\"positive\":\"another text\"}");
    Path p = dir.resolve("pairs.jsonl");
    Files.write(p, lines);
    return p;
  }

  /** A random tiny text model, the frozen teacher and the student's starting point. */
  static Path teacherModel(Path dir) throws Exception {
    Path ckpt = dir.resolve("text-model");
    Checkpoint.save(Encoder.randomInit(ModelConfig.preset("tiny"), 7),
        TextTokenizer.readBundled(), "random:tiny", ckpt.toString(), Map.of(),
        new Configuration());
    return ckpt;
  }

  static List<String> train(Path data, Path init, Path out, String... more) {
    List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--init",
        init.toString(), "--media", "tiny", "--out", out.toString(), "--master", "local[2]",
        "--set", "train.steps=10", "--set", "train.batch_size=6", "--set", "train.lr=3e-3",
        "--set", "train.warmup_steps=1", "--set", "train.checkpoint_every=100", "--set",
        "train.log_every=100", "--set", "train.frozen=text"));
    a.addAll(List.of(more));
    return a;
  }

  @Test
  void textsEmbedJoinAndTrainWithTheTextSideFrozen(@TempDir Path dir) throws Exception {
    Path pairs = pairs(dir);
    Path model = teacherModel(dir);

    Path texts = dir.resolve("texts");
    JobRunner.Result t = JobRunner.run("lit-texts", "--pairs", pairs.toString(), "--out",
        texts.toString(), "--master", "local[2]");
    assertEquals(0, t.exitCode(), t.err());
    List<JsonNode> items = DistillJobsTest.json(texts, ".jsonl");
    assertEquals(12, items.size(), items.toString());
    assertTrue(items.stream().anyMatch(i -> i.get("text").asText().equals("a red square")
        && i.get("id").asText().equals(LockedTextJoin.textId("a red square"))), items.toString());
    List<JsonNode> refused = DistillJobsTest.json(texts.resolve("_errors"), ".jsonl");
    assertEquals(1, refused.size());
    assertEquals("a locked-text pair needs one text-only side and one with media; both sides"
        + " are text", refused.get(0).get("reason").asText());

    Path teacher = dir.resolve("teacher");
    JobRunner.Result e = JobRunner.run("embed", "--model", model.toString(), "--input",
        texts.toString(), "--out", teacher.toString(), "--engine", "nd4j", "--master",
        "local[2]");
    assertEquals(0, e.exitCode(), e.err());

    Path lit = dir.resolve("lit");
    JobRunner.Result j = JobRunner.run("join-teacher", "--lit", "--pairs", pairs.toString(),
        "--teacher", teacher.toString(), "--out", lit.toString(), "--master", "local[2]");
    assertEquals(0, j.exitCode(), j.err());
    List<JsonNode> joined = DistillJobsTest.json(lit, ".jsonl");
    assertEquals(12, joined.size());
    for (JsonNode r : joined) {
      assertTrue(r.get("task").asText().matches("lit-(text2image|audio2text)"), r.toString());
      assertEquals(32, r.get("teacher").size());
      assertTrue(r.toString().contains(dir.resolve("media").toString()), "paths resolved: " + r);
    }
    assertEquals(1, DistillJobsTest.json(lit.resolve("_errors"), ".jsonl").size());

    // A few steps with the text side frozen: text-only parameters stay, the others move.
    Path run = dir.resolve("run");
    JobRunner.Result tr = JobRunner.run(train(lit, model, run).toArray(new String[0]));
    assertEquals(0, tr.exitCode(), tr.err());
    ParamStore before = Checkpoint.load(model.toString(), new Configuration()).encoder().store();
    ParamStore after = Checkpoint.load(run.resolve("final").toString(), new Configuration())
        .encoder().store();
    float[] b = before.toFloatArray();
    float[] a = after.toFloatArray();
    ParamStore.Slot token = after.slot("embeddings.token");
    assertTrue(Arrays.equals(b, (int) token.offset(), (int) (token.offset() + token.size()), a,
        (int) token.offset(), (int) (token.offset() + token.size())), "token table moved");
    ParamStore.Slot modality = after.slot("embeddings.modality");
    int width = (int) modality.shape()[1];
    int textRow = (int) modality.offset() + Modality.TEXT.typeId() * width;
    assertTrue(Arrays.equals(b, textRow, textRow + width, a, textRow, textRow + width),
        "text row of the modality table moved");
    ParamStore.Slot block = after.slot("blocks.0.ffn_in.weight");
    assertNotEquals(b[(int) block.offset()], a[(int) block.offset()], "shared blocks train");
    assertTrue(after.slots().stream().anyMatch(s -> s.name().startsWith("media.")));

    // The loss falls on each task (every batch holds all six pairs of its task).
    List<JsonNode> metrics = DistillJobsTest.json(run, "metrics.jsonl");
    assertEquals(10, metrics.size());
    for (String task : List.of("lit-text2image", "lit-audio2text")) {
      List<Double> losses = metrics.stream().filter(m -> m.get("task").asText().equals(task))
          .map(m -> m.get("loss").asDouble()).toList();
      assertTrue(losses.size() >= 2, task + ": " + losses);
      assertTrue(losses.get(losses.size() - 1) < losses.get(0) - 0.05, task + ": " + losses);
    }

    // Vectors missing for some texts: those pairs go to _errors with the text's id.
    Path partial = dir.resolve("teacher-partial");
    LocalSpark.start().read().parquet(teacher.toString())
        .filter("id != '" + LockedTextJoin.textId("a red square") + "'")
        .write().mode(SaveMode.ErrorIfExists).parquet(partial.toString());
    Path lit2 = dir.resolve("lit2");
    JobRunner.Result j2 = JobRunner.run("join-teacher", "--lit", "--pairs", pairs.toString(),
        "--teacher", partial.toString(), "--out", lit2.toString(), "--master", "local[2]");
    assertEquals(0, j2.exitCode(), j2.err());
    assertEquals(11, DistillJobsTest.json(lit2, ".jsonl").size());
    List<String> reasons = DistillJobsTest.json(lit2.resolve("_errors"), ".jsonl").stream()
        .map(r -> r.get("reason").asText()).sorted().toList();
    assertEquals(List.of("a locked-text pair needs one text-only side and one with media; both"
        + " sides are text", "no teacher embedding for text_id "
        + LockedTextJoin.textId("a red square") + " (\"a red square\") in " + partial), reasons);
  }

  /** Six lit-text2image rows (absolute paths), row {@code bad} replaced by {@code badRow}. */
  private static Path litRows(Path dir, String name, int bad, String badRow) throws Exception {
    Path media = dir.resolve("media");
    Files.createDirectories(media);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < NAMES.length; i++) {
      Path png = media.resolve(NAMES[i] + ".png");
      Files.write(png, MultimodalJobTest.png(COLORS[i], 24, 16));
      float[] v = new float[32];
      v[i] = 1;
      lines.add(i == bad ? badRow.replace("PNG", png.toString())
          : JSON.writeValueAsString(Map.of("task", "lit-text2image", "query", "a " + NAMES[i]
              + " square", "positive", Map.of("image", png.toString()), "teacher", v)));
    }
    Path p = dir.resolve(name);
    Files.write(p, lines);
    return p;
  }

  @Test
  void badTeacherVectorsAndSettingsAreRefusedNamingTheRowAndFile(@TempDir Path dir)
      throws Exception {
    Path model = teacherModel(dir);
    Path shortVector = litRows(dir, "short.jsonl", 2, "{\"task\":\"lit-text2image\","
        + "\"query\":\"a blue square\",\"positive\":{\"image\":\"PNG\"},\"teacher\":[1,0,0,0,0]}");
    JobRunner.Result r = JobRunner.run(train(shortVector, model, dir.resolve("o1"))
        .toArray(new String[0]));
    assertEquals(1, r.exitCode());
    assertTrue(r.err().matches(Pattern.quote("omniembed train: error: file://" + shortVector)
        + ": the example of step 1 slot \\d cannot be used: the teacher embedding has dimension 5, the student's"
        + " output 32 \\(record \\{\"task\":\"lit-text2image\",\"query\":\"a blue square\".*"),
        r.err());

    Path missing = litRows(dir, "missing.jsonl", 3, "{\"task\":\"lit-text2image\","
        + "\"query\":\"a yellow square\",\"positive\":{\"image\":\"PNG\"}}");
    assertEquals("omniembed train: error: file://" + missing + " record 4: task 'lit-text2image'"
        + " is a locked-text task but the row has no 'teacher' embedding of its text (embed the"
        + " texts of lit-texts with the text model and join them with join-teacher --lit)",
        JobRunner.run(train(missing, model, dir.resolve("o2")).toArray(new String[0])).err());

    Path nonNumber = litRows(dir, "nan.jsonl", 0, "{\"task\":\"lit-text2image\","
        + "\"query\":\"a red square\",\"positive\":{\"image\":\"PNG\"},\"teacher\":[1,\"x\"]}");
    assertEquals("omniembed train: error: file://" + nonNumber + " record 1: 'teacher'[1] is not"
        + " a finite number: \"x\"",
        JobRunner.run(train(nonNumber, model, dir.resolve("o3")).toArray(new String[0])).err());

    Path good = litRows(dir, "good.jsonl", -1, "");
    assertEquals("omniembed train: error: task 'lit-text2image' trains the media side against a"
        + " frozen text teacher: set train.frozen to text or all-but-media",
        JobRunner.run(train(good, model, dir.resolve("o4"), "--set", "train.frozen=none")
            .toArray(new String[0])).err());

    List<String> noMedia = new ArrayList<>(train(good, model, dir.resolve("o5")));
    int m = noMedia.indexOf("--media");
    noMedia.subList(m, m + 2).clear();
    assertEquals("omniembed train: error: task lit-text2image trains media towers against a"
        + " frozen text teacher, but model " + model + " has none: add --media PRESET",
        JobRunner.run(noMedia.toArray(new String[0])).err());
  }
}
