package io.omniembed.jobs;

import io.omniembed.model.Vectors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.data.media.GifWriter;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image, audio and video items through prepare, train, embed and eval as their own command lines:
 * media towers added to a text model, relative paths and inline bytes, and every kind of bad
 * media reported as an error row while the rest is embedded.
 */
class MultimodalJobTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Color[] COLORS = {Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW,
      Color.BLACK, Color.ORANGE};
  private static final String[] NAMES = {"red", "green", "blue", "yellow", "black", "orange"};

  static byte[] png(Color c, int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(c);
    g.fillRect(0, 0, w, h);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  static byte[] wav(double hz, double seconds) {
    return io.omniembed.model.MediaEncoderTest.wav(hz, seconds, 16000);
  }

  static byte[] gif(Color c, boolean right) throws Exception {
    List<BufferedImage> frames = new ArrayList<>();
    for (int f = 0; f < 6; f++) {
      BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, 16, 16);
      g.setColor(c);
      g.fillRect(right ? f * 2 : 12 - f * 2, 6, 4, 4);
      g.dispose();
      frames.add(img);
    }
    return GifWriter.write(frames, 10);
  }

  private static String line(Object... kv) throws Exception {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return JSON.writeValueAsString(m);
  }

  @Test
  void mediaItemsFlowThroughEveryJob(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    Path media = data.resolve("media");
    Files.createDirectories(media);
    List<String> pairs = new ArrayList<>();
    for (int i = 0; i < NAMES.length; i++) {
      Files.write(media.resolve(NAMES[i] + ".png"), png(COLORS[i], 24, 16));
      Files.write(media.resolve(NAMES[i] + ".wav"), wav(200 + 150 * i, 0.6));
      Files.write(media.resolve(NAMES[i] + "-right.gif"), gif(COLORS[i], true));
      pairs.add(line("task", "text2image", "query", "a " + NAMES[i] + " square",
          "positive", Map.of("image", "media/" + NAMES[i] + ".png")));
      pairs.add(line("task", "text2audio", "query", "a tone number " + i,
          "positive", Map.of("audio", "media/" + NAMES[i] + ".wav")));
      pairs.add(line("task", "text2video", "query", NAMES[i] + " moving right",
          "positive", Map.of("parts", List.of(Map.of("type", "text", "text", "clip"),
              Map.of("type", "video", "uri", "media/" + NAMES[i] + "-right.gif")))));
    }
    pairs.add(line("task", "text2image", "query", "secret", "positive",
        Map.of("image", "../secret.png")));
    Files.write(data.resolve("pairs.jsonl"), pairs);

    // prepare: media paths resolved against the pairs file, an escaping path is an error row
    Path triplets = dir.resolve("triplets");
    JobRunner.Result prep = JobRunner.run("prepare", "--pairs",
        data.resolve("pairs.jsonl").toString(), "--negatives", "bm25", "--rank-range", "1:20",
        "--out", triplets.toString(), "--master", "local[2]");
    assertEquals(0, prep.exitCode(), prep.err());
    JsonNode summary = JSON.readTree(triplets.resolve("_summary.json").toFile());
    assertEquals(1, summary.path("bad_rows").asInt(), summary.toString());
    // media positives are no BM25 candidates: a caption does not stand for the image
    assertEquals(0, summary.path("negatives_mined").asInt(), summary.toString());
    String errors = readAll(triplets.resolve("_errors"));
    assertTrue(errors.contains("escapes the data directory"), errors);
    String images = readAll(triplets.resolve("task=text2image"));
    assertTrue(images.contains(media.resolve("red.png").toString()), images);

    // train: a text model with media towers added, from the prepared triplets
    Path run = dir.resolve("run");
    JobRunner.Result train = JobRunner.run("train", "--data", triplets.toString(), "--init",
        "random:tiny", "--media", "tiny", "--out", run.toString(), "--set", "train.steps=6",
        "--set", "train.batch_size=4", "--set", "train.checkpoint_every=100", "--master",
        "local[2]");
    assertEquals(0, train.exitCode(), train.err());
    String modelConf = Files.readString(run.resolve("final/model.conf"));
    assertTrue(modelConf.contains("max_audio_patches"), modelConf);
    String model = run.resolve("final").toString();

    // embed: good items of every modality, and each kind of bad media
    Path in = data.resolve("items");
    Files.createDirectories(in.resolve("media"));
    Files.write(dir.resolve("secret.png"), png(Color.RED, 8, 8));
    byte[] redPng = png(Color.RED, 24, 16);
    byte[] cut = Arrays.copyOf(redPng, redPng.length / 2);
    Files.write(in.resolve("media/red.png"), redPng);
    Files.write(in.resolve("media/tone.wav"), wav(440, 0.8));
    Files.write(in.resolve("media/clip.gif"), gif(Color.BLUE, false));
    Files.write(in.resolve("media/corrupt.png"), concat(Arrays.copyOf(redPng, 16),
        "garbage garbage garbage garbage".getBytes()));
    Files.write(in.resolve("media/truncated.png"), cut);
    Files.write(in.resolve("media/sound.ogg"), concat("OggS".getBytes(), new byte[60]));
    Files.write(in.resolve("media/silence.wav"), wav(440, 0));
    Files.write(in.resolve("media/empty.wav"), new byte[0]);
    Files.write(in.resolve("media/noframes.gif"), new byte[] {'G', 'I', 'F', '8', '9', 'a', 16,
        0, 16, 0, 0, 0, 0, 0x3B});
    byte[] clip = gif(Color.RED, true);
    Files.write(in.resolve("media/truncated.gif"), Arrays.copyOf(clip, clip.length / 2));
    Files.write(in.resolve("media/movie.mp4"), concat(new byte[] {0, 0, 0, 24},
        "ftypisom".getBytes(), new byte[40]));
    String inline = Base64.getEncoder().encodeToString(png(Color.GREEN, 10, 10));
    Files.write(in.resolve("items.jsonl"), List.of(
        line("id", "text", "text", "a plain text item"),
        line("id", "image", "image", "media/red.png"),
        line("id", "captioned", "text", "a red square", "image", "media/red.png"),
        line("id", "audio", "audio", "media/tone.wav"),
        line("id", "video", "video", "media/clip.gif"),
        line("id", "mixed", "parts", List.of(Map.of("type", "text", "text", "look"),
            Map.of("type", "image", "bytes", inline), Map.of("type", "text", "text", "listen"),
            Map.of("type", "audio", "uri", "media/tone.wav"))),
        line("id", "corrupt-image", "image", "media/corrupt.png"),
        line("id", "truncated-image", "image", "media/truncated.png"),
        line("id", "ogg", "audio", "media/sound.ogg"),
        line("id", "silent", "audio", "media/silence.wav"),
        line("id", "empty-audio", "audio", "media/empty.wav"),
        line("id", "no-frames", "video", "media/noframes.gif"),
        line("id", "truncated-video", "video", "media/truncated.gif"),
        line("id", "mp4", "video", "media/movie.mp4"),
        line("id", "missing", "image", "media/nope.png"),
        line("id", "escape", "image", "../../secret.png")));
    Path vectors = dir.resolve("vectors");
    JobRunner.Result embed = JobRunner.run("embed", "--model", model, "--input",
        in.resolve("items.jsonl").toString(), "--out", vectors.toString(), "--master",
        "local[2]");
    assertEquals(0, embed.exitCode(), embed.err());
    Map<String, float[]> embedded = EmbedJobTest.readWithSpark(vectors);
    assertEquals(new TreeSet<>(List.of("text", "image", "captioned", "audio", "video", "mixed")),
        new TreeSet<>(embedded.keySet()));
    for (float[] v : embedded.values()) {
      assertEquals(32, v.length);
    }
    assertTrue(Vectors.cosine(embedded.get("image"), embedded.get("captioned")) < 0.99999,
        "the caption changes the embedding");
    Map<String, String> reasons = new HashMap<>();
    for (JsonNode e : EmbedJobTest.errorRows(vectors)) {
      reasons.put(e.get("id").asText(), e.get("reason").asText());
    }
    assertEquals(10, reasons.size(), reasons.toString());
    assertReason(reasons, "corrupt-image", "image 'media/corrupt.png'");
    assertReason(reasons, "truncated-image", "image 'media/truncated.png'");
    assertReason(reasons, "ogg", "audio 'media/sound.ogg'");
    assertReason(reasons, "silent", "audio 'media/silence.wav'");
    assertReason(reasons, "empty-audio", "empty");
    assertReason(reasons, "no-frames", "video 'media/noframes.gif'");
    assertReason(reasons, "truncated-video", "video 'media/truncated.gif'");
    assertReason(reasons, "mp4", "unreadable MP4 video");
    assertReason(reasons, "missing", "nope.png");
    assertReason(reasons, "escape", "escapes the data directory");
    JsonNode embedSummary = JSON.readTree(vectors.resolve("_summary.json").toFile());
    assertEquals(16, embedSummary.get("records").asInt());
    String sample = Files.readString(vectors.resolve("_sample.jsonl"));
    assertTrue(sample.contains("\"modality\":\"text+image+audio\""), sample);

    // Parquet with the media inline as a binary column: the same vector as the file by path
    Path parquet = dir.resolve("inline.parquet");
    org.apache.spark.sql.SparkSession spark = LocalSpark.start();
    try {
      org.apache.spark.sql.types.StructType part = new org.apache.spark.sql.types.StructType()
          .add("type", "string").add("bytes", "binary");
      org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
          .add("id", "string").add("parts", org.apache.spark.sql.types.DataTypes
              .createArrayType(part));
      spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("inline-image",
          List.of(org.apache.spark.sql.RowFactory.create("image", redPng)))), schema)
          .coalesce(1).write().parquet(parquet.toString());
    } finally {
      spark.stop();
    }
    Path inlineOut = dir.resolve("inline-vectors");
    JobRunner.Result inlineRun = JobRunner.run("embed", "--model", model, "--input",
        parquet.toString(), "--out", inlineOut.toString(), "--master", "local[2]");
    assertEquals(0, inlineRun.exitCode(), inlineRun.err());
    float[] inlineVector = EmbedJobTest.readWithSpark(inlineOut).get("inline-image");
    org.junit.jupiter.api.Assertions.assertArrayEquals(embedded.get("image"), inlineVector,
        1e-5f);

    // eval: a text -> image benchmark whose corpus items are images
    Path bench = dir.resolve("bench");
    Files.createDirectories(bench.resolve("qrels"));
    Files.createDirectories(bench.resolve("media"));
    List<String> corpus = new ArrayList<>();
    List<String> queries = new ArrayList<>();
    StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
    for (int i = 0; i < NAMES.length; i++) {
      Files.write(bench.resolve("media/" + i + ".png"), png(COLORS[i], 16, 16));
      corpus.add(line("_id", "d" + i, "image", "media/" + i + ".png"));
      queries.add(line("_id", "q" + i, "text", "a " + NAMES[i] + " square"));
      qrels.append("q").append(i).append("\td").append(i).append("\t1\n");
    }
    Files.write(bench.resolve("corpus.jsonl"), corpus);
    Files.write(bench.resolve("queries.jsonl"), queries);
    Files.writeString(bench.resolve("qrels/test.tsv"), qrels);
    Path report = dir.resolve("eval.json");
    JobRunner.Result eval = JobRunner.run("eval", "--model", model, "--benchmark",
        bench.toString(), "--out", report.toString(), "--master", "local[2]");
    assertEquals(0, eval.exitCode(), eval.err());
    JsonNode metrics = JSON.readTree(report.toFile()).get("metrics");
    assertEquals(6, JSON.readTree(report.toFile()).get("corpus").asInt());
    assertTrue(metrics.has("ndcg@10"), metrics.toString());
    // The model's own answer, embedded here without Spark: for each query, is the nearest image
    // its own? Eval's recall@1 must be that fraction.
    assertEquals(recallAt1(model, bench), metrics.get("recall@1").asDouble(), 1e-9,
        metrics.toString());
  }

  /** Recall@1 of {@code model} on a benchmark of one relevant corpus item per query (qi → di). */
  private static double recallAt1(String model, Path bench) throws Exception {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    io.omniembed.model.TextEmbedder embedder = io.omniembed.io.Models.load(
        io.omniembed.model.ModelSpec.parse(model), conf, 1);
    List<io.omniembed.model.ItemEmbedding.Input> inputs = new ArrayList<>();
    for (String file : List.of("corpus.jsonl", "queries.jsonl")) {
      for (String line : Files.readAllLines(bench.resolve(file))) {
        inputs.add(new io.omniembed.model.ItemEmbedding.Input(bench.resolve(file).toString(),
            io.omniembed.data.ItemParser.parseRecord(line)));
      }
    }
    Map<String, float[]> vectors = new HashMap<>();
    new io.omniembed.model.ItemEmbedding(embedder, 32, embedder.dim(), 64, 0,
        io.omniembed.io.MediaSource.loader(embedder.media(), conf)).run(inputs.iterator(),
        new io.omniembed.model.ItemEmbedding.Sink() {
          @Override
          public void embedded(io.omniembed.model.ItemEmbedding.Embedded e) {
            vectors.put(e.id(), e.vector());
          }

          @Override
          public void failed(io.omniembed.model.ItemEmbedding.Failed f) {
            throw new AssertionError(f.id() + ": " + f.reason());
          }
        });
    int hits = 0;
    for (int i = 0; i < NAMES.length; i++) {
      int best = 0;
      for (int j = 1; j < NAMES.length; j++) {
        if (Vectors.cosine(vectors.get("q" + i), vectors.get("d" + j))
            > Vectors.cosine(vectors.get("q" + i), vectors.get("d" + best))) {
          best = j;
        }
      }
      hits += best == i ? 1 : 0;
    }
    return (double) hits / NAMES.length;
  }

  private static void assertReason(Map<String, String> reasons, String id, String part) {
    assertTrue(reasons.containsKey(id), id + " missing from " + reasons);
    assertTrue(reasons.get(id).contains(part), id + ": " + reasons.get(id));
  }


  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static String readAll(Path dir) throws Exception {
    StringBuilder sb = new StringBuilder();
    try (var files = Files.walk(dir)) {
      for (Path p : files.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".crc"))
          .toList()) {
        sb.append(Files.readString(p));
      }
    }
    return sb.toString();
  }
}
