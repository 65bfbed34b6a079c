package io.omniembed.bench;

import io.omniembed.model.Vectors;
import io.omniembed.config.MediaSpec;
import io.omniembed.data.Item;
import io.omniembed.data.ItemParser;
import io.omniembed.data.Modality;
import io.omniembed.data.Part;
import io.omniembed.data.media.WavWriter;
import io.omniembed.data.multimodal.ComposedClips;
import io.omniembed.io.Checkpoint;
import io.omniembed.model.Encoder;
import io.omniembed.model.ItemEmbedding;
import io.omniembed.model.ItemSequencer;
import io.omniembed.model.MiniLmImport;
import io.omniembed.model.LoadedModel;
import io.omniembed.model.NativeEmbedder;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.ExportedEmbedder;
import io.omniembed.model.onnx.OnnxExport;
import io.omniembed.model.onnx.Precision;
import io.omniembed.data.text.TextTokenizer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Embedding throughput per modality with the media towers of {@code conf/media/default.conf} on
 * the MiniLM-L6 encoder: PNG images (64 patches), 5 s of speech-band audio as a 22.05 kHz WAV (up
 * to 128 patches), 4 s animated GIFs of 40 frames (8 sampled, 128 patches), and short texts for
 * comparison. Each item is decoded, resampled, patched and encoded through
 * {@link ItemEmbedding}, the per-partition path of the {@code embed} job, in batches of 32; the
 * preprocessing alone is timed too. Weights do not change the cost: the towers are random. The
 * same items run on the own encoder ({@code --engine nd4j}) and on ONNX Runtime on the model's
 * exported graph ({@code --engine onnx}, fp32), with the worst cosine between the two.
 *
 * <p>Usage: {@code MediaThroughput [items=96] [reps=2] [threads=2]}
 */
public final class MediaThroughput {

  private MediaThroughput() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 96;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    MediaSpec spec = MediaSpec.preset("default");
    Encoder encoder = MiniLmImport.load().withMedia(spec, 1);
    NativeEmbedder embedder = new NativeEmbedder(encoder, TextTokenizer.bundledMiniLm(),
        "pretrained+media", Checkpoint.hash(encoder.store()));
    LoadedModel loaded = new LoadedModel(encoder, TextTokenizer.readBundled(), "pretrained+media",
        embedder.modelHash());
    ExportedEmbedder onnx = new ExportedEmbedder(OnnxExport.graph(loaded, Precision.FP32),
        encoder.config(), embedder.tokenizer(), loaded.modelId(), loaded.hash(), threads);
    List<String> kinds = KINDS;
    List<List<Item>> sets = itemSets(n);
    System.out.printf("media throughput: MiniLM-L6 + media towers (%s), %d items per modality,"
        + " batch 32, best of %d%n", spec, n, reps);
    System.out.println("| modality | positions/item | preprocess ms/item | items/s own encoder"
        + " | items/s ONNX Runtime | ratio | worst cosine |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (int k = 0; k < kinds.size(); k++) {
      List<Item> items = sets.get(k);
      ItemSequencer seq = new ItemSequencer(embedder.tokenizer(), spec, "bench",
          embedder.maxLength(), embedder.maxPositions());
      double bestPre = Double.MAX_VALUE;
      double bestAll = Double.MAX_VALUE;
      double bestOnnx = Double.MAX_VALUE;
      double worst = 1;
      long positions = 0;
      for (int r = 0; r < reps; r++) {
        long t0 = System.nanoTime();
        positions = 0;
        for (Item item : items) {
          positions += seq.sequence(item, Part.Media::bytes).length();
        }
        bestPre = Math.min(bestPre, (System.nanoTime() - t0) / 1e9);
        long t1 = System.nanoTime();
        Map<String, float[]> own = embedAll(embedder, items, 32);
        bestAll = Math.min(bestAll, (System.nanoTime() - t1) / 1e9);
        long t2 = System.nanoTime();
        Map<String, float[]> ort = embedAll(onnx, items, 32);
        bestOnnx = Math.min(bestOnnx, (System.nanoTime() - t2) / 1e9);
        for (Map.Entry<String, float[]> e : own.entrySet()) {
          worst = Math.min(worst, Vectors.cosine(e.getValue(), ort.get(e.getKey())));
        }
      }
      System.out.printf("| %s | %.0f | %.1f | %.1f | %.1f | %.2f | %.6f |%n", kinds.get(k),
          (double) positions / items.size(), 1000 * bestPre / items.size(),
          items.size() / bestAll, items.size() / bestOnnx, bestAll / bestOnnx, worst);
    }
    onnx.close();
  }

  /** The items through {@link ItemEmbedding} (the embed job's per-partition path): id → vector. */
  static Map<String, float[]> embedAll(TextEmbedder model, List<Item> items, int batch) {
    Map<String, float[]> out = new HashMap<>();
    new ItemEmbedding(model, batch, model.dim(), 64 * batch, 0,
        (part, source) -> part.bytes()).run(items.stream()
        .map(it -> new ItemEmbedding.Input(null, (ItemParser.Result) new ItemParser.Ok(it)))
        .iterator(), new ItemEmbedding.Sink() {
          @Override
          public void embedded(ItemEmbedding.Embedded e) {
            out.put(e.id(), e.vector());
          }

          @Override
          public void failed(ItemEmbedding.Failed f) {
            throw new IllegalStateException(f.reason());
          }
        });
    if (out.size() != items.size()) {
      throw new IllegalStateException("embedded " + out.size() + " of " + items.size());
    }
    return out;
  }


  /** The modalities measured, in order. */
  static final List<String> KINDS = List.of("text", "image", "audio 5 s", "video 4 s");

  /** {@code n} items of each of {@link #KINDS}, made from a fixed seed. */
  static List<List<Item>> itemSets(int n) throws Exception {
    SplittableRandom random = new SplittableRandom(1);
    List<List<Item>> sets = new ArrayList<>();
    for (String kind : KINDS) {
      List<Item> items = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        items.add(switch (kind) {
          case "text" -> Item.text("t" + i, "a short caption of an image, number " + i
              + " of the set, with a few more words");
          case "image" -> media("i" + i, Modality.IMAGE, png(random));
          case "audio 5 s" -> media("a" + i, Modality.AUDIO, wav(random, 5.0, 22050));
          default -> media("v" + i, Modality.VIDEO, ComposedClips.clip(png(random),
              ComposedClips.Motion.values()[i % 4], 40, 64));
        });
      }
      sets.add(items);
    }
    return sets;
  }

  private static Item media(String id, Modality m, byte[] bytes) {
    return new Item(id, List.of(new Part.Media(m, null, bytes)));
  }

  private static byte[] png(SplittableRandom r) throws Exception {
    BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = img.createGraphics();
    for (int s = 0; s < 6; s++) {
      g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
      g.fillOval(r.nextInt(48), r.nextInt(48), 8 + r.nextInt(24), 8 + r.nextInt(24));
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  /** Mono 16-bit PCM: a few drifting tones in the speech band plus noise. */
  private static byte[] wav(SplittableRandom r, double seconds, int rate) {
    short[] pcm = new short[(int) (seconds * rate)];
    double f1 = 150 + r.nextInt(200);
    double f2 = 800 + r.nextInt(1500);
    for (int i = 0; i < pcm.length; i++) {
      double t = (double) i / rate;
      double v = 0.4 * Math.sin(2 * Math.PI * f1 * (1 + 0.1 * Math.sin(t)) * t)
          + 0.2 * Math.sin(2 * Math.PI * f2 * t) + 0.05 * (r.nextDouble() * 2 - 1);
      pcm[i] = (short) (12000 * v);
    }
    return WavWriter.mono16(pcm, rate);
  }

}
