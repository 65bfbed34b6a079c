package io.omniembed.bench;

import io.omniembed.data.ItemParser;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.model.ModelSpec;
import io.omniembed.io.Models;
import io.omniembed.model.OnnxEmbedder;
import io.omniembed.model.TextEmbedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;

/**
 * Embedding throughput of the project's encoder (MiniLM weights) against ONNX Runtime on the same
 * texts, tokenised once, sorted by length and cut into the same batches; both engines alternate
 * over {@code reps} repetitions in one process. Prints sentences/s and GFLOP/s per engine (FLOPs
 * counted as in ../shared/bench/tbert.py: 2·matmul params·tokens + 4·T²·H·layers per sequence,
 * padding included) and the ratio.
 *
 * <p>Usage: {@code EmbedThroughput TEXTS.jsonl [batch=32] [reps=3] [threads=2] [ids-out.txt]}
 */
public final class EmbedThroughput {

  private EmbedThroughput() {}

  public static void main(String[] args) throws IOException {
    Path texts = Path.of(args[0]);
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;

    TextEmbedder ours = Models.load(ModelSpec.parse("pretrained:all-MiniLM-L6-v2"),
        new Configuration(), threads);
    OnnxEmbedder onnx = new OnnxEmbedder(TextTokenizer.bundledMiniLm(), 256, threads);
    List<int[]> ids = new ArrayList<>();
    for (String line : Files.readAllLines(texts)) {
      if (line.isBlank()) {
        continue;
      }
      ItemParser.Result r = ItemParser.parse(line);
      if (r instanceof ItemParser.Ok ok) {
        ids.add(ours.tokenizer().encode(ok.item().joinedText(), 256).ids());
      }
    }
    ids.sort(Comparator.comparingInt(a -> a.length));
    if (args.length > 4) {
      Files.write(Path.of(args[4]), ids.stream().map(a -> java.util.Arrays.stream(a)
          .mapToObj(Integer::toString).collect(Collectors.joining(" "))).toList());
    }
    long real = ids.stream().mapToLong(a -> a.length).sum();
    long padded = 0;
    double flops = 0;
    for (int s = 0; s < ids.size(); s += batch) {
      List<int[]> b = ids.subList(s, Math.min(ids.size(), s + batch));
      int t = b.get(b.size() - 1).length;
      padded += (long) b.size() * t;
      flops += forwardFlops(b.size(), t);
    }
    System.out.printf("texts=%d batch=%d threads=%d real_tokens=%d padded_tokens=%d gflop=%.1f"
        + " OPENBLAS_CORETYPE=%s%n", ids.size(), batch, threads, real, padded, flops / 1e9,
        System.getenv("OPENBLAS_CORETYPE"));
    run(ours, ids.subList(0, Math.min(256, ids.size())), batch);    // warm-up
    run(onnx, ids.subList(0, Math.min(256, ids.size())), batch);
    double bestOurs = 0;
    double bestOnnx = 0;
    for (int r = 0; r < reps; r++) {
      double a = run(ours, ids, batch);
      double b = run(onnx, ids, batch);
      bestOurs = Math.max(bestOurs, ids.size() / a);
      bestOnnx = Math.max(bestOnnx, ids.size() / b);
      System.out.printf("RESULT engine=omniembed rep=%d sec=%.3f sent_per_s=%.1f gflops=%.1f%n", r,
          a, ids.size() / a, flops / a / 1e9);
      System.out.printf("RESULT engine=onnxruntime rep=%d sec=%.3f sent_per_s=%.1f gflops=%.1f%n",
          r, b, ids.size() / b, flops / b / 1e9);
    }
    System.out.printf("SUMMARY omniembed_sent_per_s=%.1f onnxruntime_sent_per_s=%.1f ratio=%.2f%n",
        bestOurs, bestOnnx, bestOurs / bestOnnx);
    onnx.close();
  }

  private static double run(TextEmbedder e, List<int[]> ids, int batch) {
    long t0 = System.nanoTime();
    double check = 0;
    for (int s = 0; s < ids.size(); s += batch) {
      float[][] out = e.embed(ids.subList(s, Math.min(ids.size(), s + batch)));
      check += out[0][0];
    }
    if (Double.isNaN(check)) {
      throw new IllegalStateException("NaN embeddings");
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /** MiniLM-L6 forward FLOPs for b sequences of t tokens (tbert.py's fwd_flops). */
  static double forwardFlops(int b, int t) {
    int h = 384;
    int layers = 6;
    int ffn = 1536;
    double matmulParams = layers * (4.0 * h * h + 2.0 * h * ffn);
    return 2.0 * matmulParams * b * t + 4.0 * t * t * h * layers * b;
  }
}
