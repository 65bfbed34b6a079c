package io.omniembed.bench;

import io.omniembed.config.ModelConfig;
import io.omniembed.loss.InBatchNceLoss;
import io.omniembed.model.Encoder;
import io.omniembed.train.ContrastiveStep;
import io.omniembed.train.TokenizedExample;
import io.omniembed.train.collective.Collective;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.Pointer;

/**
 * Peak memory of a training step with and without GradCache: global batch B of (query, positive)
 * pairs × T tokens of random ids, encoded in chunks of C texts (0: one pass). Prints the peak
 * native memory ND4J allocated (JavaCPP's count), the process's peak resident set (VmHWM) and the
 * JVM heap in use, after {@code steps} steps. Run one configuration per JVM: peaks only grow.
 *
 * <p>Usage: {@code GradCacheMemory [preset=tiny] [batch=64] [chunk=32] [tokens=64] [steps=3]}
 */
public final class GradCacheMemory {

  private GradCacheMemory() {}

  public static void main(String[] args) throws IOException {
    String preset = args.length > 0 ? args[0] : "tiny";
    int b = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int chunk = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int t = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    int steps = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    ModelConfig config = ModelConfig.preset(preset);
    Encoder encoder = Encoder.randomInit(config, 0);
    ContrastiveStep step = new ContrastiveStep(encoder, new InBatchNceLoss(0.05,
        List.of(config.outputDim()), List.of(1.0), false), 0.0, 0, chunk, Collective.single());
    SplittableRandom random = new SplittableRandom(1);
    long peakNative = 0;
    long peakHeap = 0;
    double seconds = 0;
    for (int s = 1; s <= steps; s++) {
      List<TokenizedExample> batch = TrainStep.randomBatch(random, b, t, config.vocabSize());
      long t0 = System.nanoTime();
      step.run(s, batch);
      seconds = (System.nanoTime() - t0) / 1e9;
      peakNative = Math.max(peakNative, Pointer.totalBytes());
      Runtime rt = Runtime.getRuntime();
      peakHeap = Math.max(peakHeap, rt.totalMemory() - rt.freeMemory());
    }
    System.out.printf("RESULT preset=%s batch=%d chunk=%d tokens=%d step_s=%.2f"
            + " nd4j_native_peak_mb=%.1f heap_used_peak_mb=%.1f rss_peak_mb=%.1f%n", preset, b,
        chunk, t, seconds, peakNative / 1048576.0, peakHeap / 1048576.0, vmHwmKb() / 1024.0);
  }

  private static long vmHwmKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }
}
