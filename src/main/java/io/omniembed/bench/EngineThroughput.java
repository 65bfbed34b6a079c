package io.omniembed.bench;

import io.omniembed.data.ItemParser;
import io.omniembed.data.text.TextTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.io.Models;
import io.omniembed.jobs.Main;
import io.omniembed.model.ModelSpec;
import io.omniembed.model.OnnxEmbedder;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.Inference;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * The engines behind {@code embed} on the same texts and batches, in one process: plain ONNX
 * Runtime on the published all-MiniLM-L6-v2 file (tokenise, run, mean-pool: what a user would
 * write), the project's exported graph of the same weights on ONNX Runtime in fp32 and int8
 * ({@code --engine onnx}), and the own encoder ({@code --engine nd4j}). Each pass tokenises
 * its batches itself, so every engine pays for the same work; texts are sorted by length and
 * cut into batches of {@code batch} as {@code embed} does within a window; the engines alternate
 * over {@code reps} repetitions and the best of each is printed, with the ratio to plain ONNX
 * Runtime.
 *
 * <p>Then the {@code embed} job itself, in this process on {@code local[threads]} (read the
 * JSONL, tokenise, batch, run, write Parquet, commit), once per engine and repetition, each run
 * right after a plain ONNX Runtime pass over the same texts so that the ratio compares
 * neighbours in time: the job's items/s is its {@code _summary.json} figure (the embedding
 * stage, model loaded; Spark's start is not counted).
 *
 * <p>Usage: {@code EngineThroughput TEXTS.jsonl [batch=32] [reps=3] [threads=2] [work-dir]
 * [engines=onnx-fp32,onnx-int8,nd4j]}: the engines to compare with plain ONNX Runtime.
 */
public final class EngineThroughput {

  private EngineThroughput() {}

  public static void main(String[] args) throws IOException {
    Path texts = Path.of(args[0]);
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    Path work = args.length > 4 ? Path.of(args[4]) : Files.createTempDirectory("engines");
    List<String> chosen = List.of((args.length > 5 ? args[5] : "onnx-fp32,onnx-int8,nd4j")
        .split(","));
    Configuration conf = new Configuration();
    ModelSpec miniLm = ModelSpec.parse("pretrained:all-MiniLM-L6-v2");
    Map<String, Inference> known = new LinkedHashMap<>();
    known.put("onnx-fp32", Inference.parse("onnx", "fp32", "cpu"));
    known.put("onnx-int8", Inference.parse("onnx", "int8", "cpu"));
    known.put("nd4j", Inference.NATIVE);
    if (!known.keySet().containsAll(chosen)) {
      throw new IllegalArgumentException("engines: " + chosen + "; known: " + known.keySet());
    }
    Map<String, TextEmbedder> engines = new LinkedHashMap<>();
    engines.put("plain-onnxruntime", new OnnxEmbedder(TextTokenizer.bundledMiniLm(), 256,
        threads));
    for (String name : chosen) {
      engines.put(name, Models.load(miniLm, known.get(name), conf, threads));
    }

    TextTokenizer tokenizer = TextTokenizer.bundledMiniLm();
    List<String> all = new ArrayList<>();
    for (String line : Files.readAllLines(texts)) {
      if (!line.isBlank() && ItemParser.parse(line) instanceof ItemParser.Ok ok) {
        all.add(ok.item().joinedText());
      }
    }
    all.sort(Comparator.comparingInt(t -> tokenizer.encode(t, 256).ids().length));
    List<List<String>> batches = new ArrayList<>();
    for (int s = 0; s < all.size(); s += batch) {
      batches.add(all.subList(s, Math.min(all.size(), s + batch)));
    }
    System.out.printf("texts=%d batch=%d threads=%d reps=%d%n", all.size(), batch, threads,
        reps);
    for (TextEmbedder e : engines.values()) {
      run(e, batches.subList(0, Math.min(8, batches.size())));   // warm-up
    }
    Map<String, Double> best = new LinkedHashMap<>();
    for (int r = 0; r < reps; r++) {
      for (Map.Entry<String, TextEmbedder> e : engines.entrySet()) {
        double sec = run(e.getValue(), batches);
        double rate = all.size() / sec;
        best.merge(e.getKey(), rate, Math::max);
        System.out.printf("RESULT engine=%s rep=%d sec=%.3f items_per_s=%.1f%n", e.getKey(), r,
            sec, rate);
      }
    }
    double plain = best.get("plain-onnxruntime");
    StringBuilder summary = new StringBuilder("SUMMARY");
    best.forEach((k, v) -> summary.append(String.format(" %s=%.1f (%.2fx)", k, v, v / plain)));
    System.out.println(summary);

    TextEmbedder reference = engines.get("plain-onnxruntime");
    Map<String, Double> bestJob = new LinkedHashMap<>();
    Map<String, Double> bestRatio = new LinkedHashMap<>();
    List<String[]> jobEngines = chosen.stream().map(name -> name.equals("nd4j")
        ? new String[] {"nd4j", "fp32"} : name.split("-")).toList();
    for (int r = 0; r < reps; r++) {
      for (String[] e : jobEngines) {
        double plainRate = all.size() / run(reference, batches);
        Path out = work.resolve("embed-" + e[0] + "-" + e[1] + "-" + r);
        int code = Main.run(new PrintWriter(System.err, true), "embed", "--model",
            "pretrained:all-MiniLM-L6-v2", "--input", texts.toString(), "--out", out.toString(),
            "--engine", e[0], "--precision", e[1], "--batch-size", Integer.toString(batch),
            "--sample", "0", "--master", "local[" + threads + "]");
        if (code != 0) {
          throw new IllegalStateException("embed exited " + code);
        }
        double rate = new ObjectMapper().readTree(out.resolve("_summary.json").toFile())
            .get("items_per_second").asDouble();
        String key = e[0] + "-" + e[1];
        bestJob.merge(key, rate, Math::max);
        bestRatio.merge(key, rate / plainRate, Math::max);
        System.out.printf("JOB engine=%s rep=%d items_per_s=%.1f plain_onnxruntime_before=%.1f"
            + " ratio=%.2f%n", key, r, rate, plainRate, rate / plainRate);
      }
    }
    StringBuilder jobs = new StringBuilder("JOB-SUMMARY");
    bestJob.forEach((k, v) -> jobs.append(String.format(" %s=%.1f (%.2fx plain)", k, v,
        bestRatio.get(k))));
    System.out.println(jobs);
  }

  private static double run(TextEmbedder e, List<List<String>> batches) {
    long t0 = System.nanoTime();
    double check = 0;
    for (List<String> b : batches) {
      List<int[]> ids = new ArrayList<>(b.size());
      for (String t : b) {
        ids.add(e.tokenizer().encode(t, 256).ids());
      }
      check += e.embed(ids)[0][0];
    }
    if (Double.isNaN(check)) {
      throw new IllegalStateException("NaN embeddings");
    }
    return (System.nanoTime() - t0) / 1e9;
  }
}
