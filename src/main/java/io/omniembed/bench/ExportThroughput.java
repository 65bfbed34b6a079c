package io.omniembed.bench;

import io.omniembed.model.Vectors;
import io.omniembed.data.ItemParser;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.model.Encoder;
import io.omniembed.model.MiniLmImport;
import io.omniembed.model.NativeEmbedder;
import io.omniembed.model.OnnxEmbedder;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.ExportedEmbedder;
import io.omniembed.model.onnx.OnnxExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Embedding throughput of all-MiniLM-L6-v2 on four engines over the same texts, tokenised once
 * (256 tokens at most), sorted by length and cut into the same batches; the engines alternate
 * over {@code reps} repetitions in one process:
 * <pre>
 *   omniembed      the project's encoder (ND4J)
 *   export-fp32    ONNX Runtime on the graph of {@code export --precision fp32}
 *   export-int8    ONNX Runtime on the graph of {@code export --precision int8}
 *   onnx-original  ONNX Runtime on all-minilm-l6-v2.onnx from the langchain4j jar, mean pooling
 *                  and normalisation in Java ({@link OnnxEmbedder})
 * </pre>
 * Prints items/s per engine and repetition ({@code RESULT}), the best of each ({@code SUMMARY}),
 * and how closely each ONNX engine agrees with the encoder ({@code AGREEMENT}, cosine).
 *
 * <p>Usage: {@code ExportThroughput FP32_DIR INT8_DIR BATCH REPS THREADS TEXTS.jsonl...}, the
 * two directories written by {@code jobs/omniembed export}; run by jobs/bench/export-throughput.sh.
 */
public final class ExportThroughput {

  private ExportThroughput() {}

  public static void main(String[] args) throws IOException {
    Path fp32 = Path.of(args[0]);
    Path int8 = Path.of(args[1]);
    int batch = Integer.parseInt(args[2]);
    int reps = Integer.parseInt(args[3]);
    int threads = Integer.parseInt(args[4]);

    TextTokenizer tokenizer = TextTokenizer.bundledMiniLm();
    Encoder encoder = MiniLmImport.load();
    List<int[]> ids = new ArrayList<>();
    for (int a = 5; a < args.length; a++) {
      for (String line : Files.readAllLines(Path.of(args[a]))) {
        if (!line.isBlank() && ItemParser.parse(line) instanceof ItemParser.Ok ok) {
          ids.add(tokenizer.encode(ok.item().joinedText(), 256).ids());
        }
      }
    }
    ids.sort(Comparator.comparingInt(x -> x.length));
    long tokens = ids.stream().mapToLong(x -> x.length).sum();
    System.out.printf("texts=%d tokens=%d mean_tokens=%.1f batch=%d threads=%d%n", ids.size(),
        tokens, (double) tokens / ids.size(), batch, threads);

    Map<String, TextEmbedder> engines = new LinkedHashMap<>();
    engines.put("omniembed", new NativeEmbedder(encoder, tokenizer, "pretrained", "-"));
    engines.put("export-fp32", exported(fp32, encoder, tokenizer, threads));
    engines.put("export-int8", exported(int8, encoder, tokenizer, threads));
    engines.put("onnx-original", new OnnxEmbedder(tokenizer, 256, threads));

    Map<String, List<float[]>> outputs = new LinkedHashMap<>();
    for (Map.Entry<String, TextEmbedder> e : engines.entrySet()) {
      run(e.getValue(), ids.subList(0, Math.min(ids.size(), 4 * batch)), batch, null); // warm-up
    }
    Map<String, Double> best = new LinkedHashMap<>();
    for (int r = 0; r < reps; r++) {
      for (Map.Entry<String, TextEmbedder> e : engines.entrySet()) {
        List<float[]> out = new ArrayList<>();
        double sec = run(e.getValue(), ids, batch, out);
        outputs.put(e.getKey(), out);
        best.merge(e.getKey(), ids.size() / sec, Math::max);
        System.out.printf("RESULT engine=%s rep=%d sec=%.3f items_per_s=%.1f%n", e.getKey(), r,
            sec, ids.size() / sec);
      }
    }
    double base = best.get("onnx-original");
    for (Map.Entry<String, Double> b : best.entrySet()) {
      System.out.printf("SUMMARY engine=%s items_per_s=%.1f vs_onnx_original=%.2f%n", b.getKey(),
          b.getValue(), b.getValue() / base);
    }
    List<float[]> reference = outputs.get("omniembed");
    for (String name : List.of("export-fp32", "export-int8", "onnx-original")) {
      double worst = 1;
      double sum = 0;
      for (int i = 0; i < reference.size(); i++) {
        double c = Vectors.cosine(reference.get(i), outputs.get(name).get(i));
        worst = Math.min(worst, c);
        sum += c;
      }
      System.out.printf("AGREEMENT engine=%s vs=omniembed cosine_worst=%.6f cosine_mean=%.6f%n",
          name, worst, sum / reference.size());
    }
  }

  private static ExportedEmbedder exported(Path dir, Encoder encoder, TextTokenizer tokenizer,
      int threads) throws IOException {
    byte[] graph = Files.readAllBytes(dir.resolve(OnnxExport.GRAPH_FILE));
    return new ExportedEmbedder(graph, encoder.config(), tokenizer, dir.toString(), "-", threads);
  }

  private static double run(TextEmbedder e, List<int[]> ids, int batch, List<float[]> into) {
    long t0 = System.nanoTime();
    for (int s = 0; s < ids.size(); s += batch) {
      float[][] out = e.embed(ids.subList(s, Math.min(ids.size(), s + batch)));
      if (into != null) {
        into.addAll(List.of(out));
      }
    }
    return (System.nanoTime() - t0) / 1e9;
  }

}
