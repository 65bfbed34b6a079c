package io.omniembed.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every job against a real S3-compatible server (S3Proxy, filesystem backend, on 127.0.0.1) over
 * s3a, with the credentials in the environment only: make-benchmark, prepare, train with
 * checkpoints, embed (killed once midway, then resumed) and eval. No secret reaches a log or a
 * written object, and a killed write leaves no partial file among the visible output.
 */
class S3aEndToEndTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyJobReadsAndWritesS3a(@TempDir Path dir) throws Exception {
    try (S3Server s3 = new S3Server(dir.resolve("s3"))) {
      Configuration conf = s3.hadoop();
      FileSystem fs = new org.apache.hadoop.fs.Path(s3.url("")).getFileSystem(conf);
      upload(fs, s3.url("in/pairs.jsonl"), pairs());
      upload(fs, s3.url("in/items/a.jsonl"), items(0, 300));
      upload(fs, s3.url("in/items/b.jsonl"), items(300, 600));
      List<String> logs = new ArrayList<>();
      int[] n = {0};
      java.util.function.Function<List<String>, JobProcess.Result> job = args -> {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--master", "local[2]"));
        all.addAll(s3.confArgs());
        try {
          JobProcess.Result r = JobProcess.run(all, s3.env(), dir.resolve("job-" + n[0]++ + ".log"));
          logs.add(r.output());
          assertEquals(0, r.exitCode(), String.join(" ", all) + "\n" + r.output());
          return r;
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      };

      // make-benchmark runs without Spark; its output is uploaded
      JobRunner.Result made = JobRunner.run("make-benchmark", "--sources",
          Path.of("src/main/java/io/omniembed/data").toAbsolutePath().toString(),
          "--out", dir.resolve("bench").toString());
      assertEquals(0, made.exitCode(), made.err());
      try (Stream<Path> files = Files.walk(dir.resolve("bench"))) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          upload(fs, s3.url("bench/" + dir.resolve("bench").relativize(f)), Files.readString(f));
        }
      }
      assertTrue(fs.exists(new org.apache.hadoop.fs.Path(s3.url("bench/qrels/test.tsv"))));

      job.apply(List.of("prepare", "--pairs", s3.url("in/pairs.jsonl"), "--negatives", "bm25",
          "--num-negatives", "2", "--rank-range", "1:20", "--out", s3.url("prepared")));
      JsonNode prepared = JSON.readTree(read(fs, s3.url("prepared/_summary.json")));
      assertEquals(120, prepared.get("rows_read").asInt(), prepared.toString());
      assertTrue(prepared.get("negatives_mined").asInt() > 0, prepared.toString());

      job.apply(List.of("train", "--data", s3.url("prepared"), "--init", "random:tiny",
          "--media", "tiny", "--out", s3.url("ckpt"), "--set", "train.steps=6", "--set", "train.batch_size=8",
          "--set", "train.checkpoint_every=3"));
      for (String c : List.of("ckpt/step-3", "ckpt/step-6", "ckpt/final")) {
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(s3.url(c + "/params.bin"))), c);
      }
      assertEquals(6, read(fs, s3.url("ckpt/metrics.jsonl")).strip().split("\n").length);

      // embed, killed once its first unit is committed, then run again to the end
      List<String> embed = new ArrayList<>(List.of("embed", "--model", s3.url("ckpt/final"),
          "--input", s3.url("in/items"), "--out", s3.url("vectors"), "--partitions", "8",
          "--batch-size", "2", "--master", "local[2]"));
      embed.addAll(s3.confArgs());
      Process p = JobProcess.start(embed, s3.env(), dir.resolve("killed.log"));
      Path units = s3.bucketDir().resolve("vectors").resolve("_units");
      long deadline = System.nanoTime() + 180_000_000_000L;
      while (p.isAlive() && System.nanoTime() < deadline && count(units) < 1) {
        Thread.sleep(20);
      }
      boolean killedMidway = p.isAlive();
      p.destroyForcibly();
      p.waitFor();
      logs.add(Files.readString(dir.resolve("killed.log")));
      assertTrue(killedMidway, "the embed job was killed before it finished");
      // what a reader sees is only whole files: every visible unit is a complete Parquet file
      for (FileStatus f : fs.listStatus(new org.apache.hadoop.fs.Path(s3.url("vectors")))) {
        if (f.getPath().getName().endsWith(".parquet")) {
          try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
            assertTrue(r.getRecordCount() > 0, f.getPath().toString());
          }
        }
      }
      JobProcess.Result resumed = job.apply(List.of("embed", "--model", s3.url("ckpt/final"),
          "--input", s3.url("in/items"), "--out", s3.url("vectors"), "--partitions", "8",
          "--batch-size", "2"));
      JsonNode summary = JSON.readTree(read(fs, s3.url("vectors/_summary.json")));
      assertEquals(600, summary.get("embedded").asInt());
      assertTrue(summary.get("units_committed_before").asInt() >= 1, summary.toString());
      long rows = 0;
      for (FileStatus f : fs.listStatus(new org.apache.hadoop.fs.Path(s3.url("vectors")))) {
        if (f.getPath().getName().endsWith(".parquet")) {
          try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
            rows += r.getRecordCount();
            assertEquals("32", r.getFooter().getFileMetaData().getKeyValueMetaData()
                .get("omniembed.dim"));
          }
        }
      }
      assertEquals(600, rows, resumed.output());

      job.apply(List.of("eval", "--model", s3.url("ckpt/final"), "--benchmark", s3.url("bench"),
          "--out", s3.url("eval/report.json")));
      JsonNode report = JSON.readTree(read(fs, s3.url("eval/report.json")));
      assertTrue(report.get("metrics").get("ndcg@10").asDouble() >= 0);

      // media on s3a: by a path relative to the data file, by an s3a:// URI; missing and
      // escaping paths are error rows
      uploadBytes(fs, s3.url("media-in/img/red.png"), MultimodalJobTest.png(java.awt.Color.RED,
          20, 12));
      uploadBytes(fs, s3.url("sounds/tone.wav"), MultimodalJobTest.wav(440, 0.5));
      upload(fs, s3.url("media-in/items.jsonl"), String.join("\n",
          "{\"id\": \"rel\", \"text\": \"a red square\", \"image\": \"img/red.png\"}",
          "{\"id\": \"uri\", \"audio\": \"" + s3.url("sounds/tone.wav") + "\"}",
          "{\"id\": \"missing\", \"image\": \"img/none.png\"}",
          "{\"id\": \"escape\", \"audio\": \"../sounds/tone.wav\"}") + "\n");
      job.apply(List.of("embed", "--model", s3.url("ckpt/final"), "--input",
          s3.url("media-in/items.jsonl"), "--out", s3.url("media-vectors")));
      JsonNode media = JSON.readTree(read(fs, s3.url("media-vectors/_summary.json")));
      assertEquals(2, media.get("embedded").asInt(), media.toString());
      assertEquals(2, media.get("failed").asInt(), media.toString());
      String mediaErrors = "";
      for (FileStatus f : fs.listStatus(new org.apache.hadoop.fs.Path(
          s3.url("media-vectors/_errors")))) {
        mediaErrors += read(fs, f.getPath().toString());
      }
      assertTrue(mediaErrors.contains("escapes the data directory"), mediaErrors);
      assertTrue(mediaErrors.contains("none.png"), mediaErrors);

      // a credential on the command line is refused before anything runs
      List<String> leaky = new ArrayList<>(List.of("eval", "--model", s3.url("ckpt/final"),
          "--benchmark", s3.url("bench"), "--out", s3.url("eval/leak.json"), "--conf",
          "spark.hadoop.fs.s3a.secret.key=" + s3.secretKey));
      JobProcess.Result refused = JobProcess.run(leaky, Map.of(), dir.resolve("leak.log"));
      assertEquals(1, refused.exitCode());
      assertTrue(refused.output().contains("--conf spark.hadoop.fs.s3a.secret.key looks like a"
          + " credential"), refused.output());
      assertFalse(refused.output().contains(s3.secretKey), "the refusal echoes the secret");

      // no secret in any log nor in any object written to the bucket
      for (String log : logs) {
        assertFalse(log.contains(s3.secretKey), "secret key in a job log");
        assertFalse(log.contains(s3.accessKey), "access key in a job log");
      }
      try (Stream<Path> files = Files.walk(s3.bucketDir())) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
          assertFalse(content.contains(s3.secretKey), "secret key in " + f);
          assertFalse(content.contains(s3.accessKey), "access key in " + f);
        }
      }
    }
  }

  static String pairs() {
    Random r = new Random(5);
    String[] words = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
        "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"};
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 120; i++) {
      String a = words[r.nextInt(words.length)];
      String b = words[r.nextInt(words.length)];
      out.append("{\"task\": \"").append(i % 2 == 0 ? "words" : "codes").append("\", \"query\": \"")
          .append(a).append(' ').append(b).append(" ").append(i).append("\", \"positive\": \"")
          .append("entry ").append(i).append(": ").append(a).append(" then ").append(b)
          .append(" and ").append(words[r.nextInt(words.length)]).append("\"}\n");
    }
    return out.toString();
  }

  static String items(int from, int to) {
    StringBuilder out = new StringBuilder();
    for (int i = from; i < to; i++) {
      out.append("{\"id\": \"item-").append(i).append("\", \"text\": \"item number ").append(i)
          .append(" about ").append(Integer.toBinaryString(i).replace('1', 'x')).append("\"}\n");
    }
    return out.toString();
  }

  static void upload(FileSystem fs, String url, String text) throws Exception {
    try (var out = fs.create(new org.apache.hadoop.fs.Path(url), true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  static void uploadBytes(FileSystem fs, String url, byte[] bytes) throws Exception {
    try (var out = fs.create(new org.apache.hadoop.fs.Path(url), true)) {
      out.write(bytes);
    }
  }

  static String read(FileSystem fs, String url) throws Exception {
    try (var in = fs.open(new org.apache.hadoop.fs.Path(url))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static long count(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
    }
  }
}
