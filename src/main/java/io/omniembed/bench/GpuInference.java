package io.omniembed.bench;

import io.omniembed.model.Vectors;
import io.omniembed.config.MediaSpec;
import io.omniembed.data.Item;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Encoder;
import io.omniembed.model.LoadedModel;
import io.omniembed.model.MiniLmImport;
import io.omniembed.model.ModelCard;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.ExportedEmbedder;
import io.omniembed.model.onnx.Inference;
import io.omniembed.model.onnx.OnnxExport;
import io.omniembed.model.onnx.Precision;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime on the GPU ({@code --device cuda}) against the CPU, on the exported graph of
 * all-MiniLM-L6-v2 with the default media towers: for text and each media modality, the worst
 * cosine between CUDA and CPU vectors and items/s on each, through {@code ItemEmbedding} (the
 * embed job's per-partition path) in batches of {@code batch}. Needs a jar built with
 * {@code -Pcuda-inference}; without the CUDA execution provider it prints why and exits 2.
 *
 * <p>Usage: {@code GpuInference [items=256] [batch=64] [threads=cores]}
 */
public final class GpuInference {

  private GpuInference() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int threads = args.length > 2 ? Integer.parseInt(args[2])
        : Runtime.getRuntime().availableProcessors();
    MediaSpec spec = MediaSpec.preset("default");
    Encoder encoder = MiniLmImport.load().withMedia(spec, 1);
    LoadedModel model = new LoadedModel(encoder, TextTokenizer.readBundled(), "pretrained+media",
        Checkpoint.hash(encoder.store()));
    byte[] graph = OnnxExport.graph(model, Precision.FP32);
    TextTokenizer tokenizer = TextTokenizer.bundledMiniLm();
    ExportedEmbedder cpu = new ExportedEmbedder(graph, encoder.config(), tokenizer,
        model.modelId(), model.hash(), ModelCard.NONE, Precision.FP32, Inference.Device.CPU,
        threads);
    ExportedEmbedder cuda;
    try {
      cuda = new ExportedEmbedder(graph, encoder.config(), tokenizer, model.modelId(),
          model.hash(), ModelCard.NONE, Precision.FP32, Inference.Device.CUDA, threads);
    } catch (RuntimeException e) {
      System.out.println("GPU inference: not available: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.out.printf("GPU inference: MiniLM-L6 + media towers (%s), %d items per modality,"
        + " batch %d, CPU threads %d%n", spec, n, batch, threads);
    System.out.println("| modality | items/s CPU | items/s CUDA | speed-up | worst cosine |");
    System.out.println("|---|---|---|---|---|");
    List<List<Item>> sets = MediaThroughput.itemSets(n);
    for (int k = 0; k < sets.size(); k++) {
      List<Item> items = sets.get(k);
      MediaThroughput.embedAll(cuda, items.subList(0, Math.min(batch, items.size())), batch);  // warm-up
      double[] cpuSec = new double[1];
      double[] cudaSec = new double[1];
      Map<String, float[]> a = timed(cpu, items, batch, cpuSec);
      Map<String, float[]> b = timed(cuda, items, batch, cudaSec);
      double worst = 1;
      for (Map.Entry<String, float[]> e : a.entrySet()) {
        worst = Math.min(worst, Vectors.cosine(e.getValue(), b.get(e.getKey())));
      }
      System.out.printf("| %s | %.1f | %.1f | %.1f | %.6f |%n", MediaThroughput.KINDS.get(k),
          items.size() / cpuSec[0], items.size() / cudaSec[0], cpuSec[0] / cudaSec[0], worst);
    }
    cpu.close();
    cuda.close();
  }

  private static Map<String, float[]> timed(TextEmbedder model, List<Item> items, int batch,
      double[] sec) {
    long t0 = System.nanoTime();
    Map<String, float[]> out = MediaThroughput.embedAll(model, items, batch);
    sec[0] = (System.nanoTime() - t0) / 1e9;
    return out;
  }
}
