package io.omniembed.bench;

import io.omniembed.config.MediaSpec;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.Modality;
import io.omniembed.loss.InBatchNceLoss;
import io.omniembed.model.Encoder;
import io.omniembed.model.layer.Backend;
import io.omniembed.model.layer.KernelPath;
import io.omniembed.model.layer.TokenBatch;
import io.omniembed.model.layer.Workspace;
import io.omniembed.train.ContrastiveStep;
import io.omniembed.train.TokenizedExample;
import io.omniembed.train.collective.Collective;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a device backend must reproduce from the CPU backend, from fixed seeds on the tiny
 * preset with the tiny media towers (every layer, both kernel paths' subjects):
 * <ul>
 *   <li>the embeddings of a text batch and of a batch with text, image, audio and video
 *       positions (inference);</li>
 *   <li>the parameter gradients of a backward pass through the mixed batch;</li>
 *   <li>one training step ({@link ContrastiveStep}: 8 pairs × 16 tokens, NCE at τ = 0.05): its
 *       loss and its gradients.</li>
 * </ul>
 * Every input comes from Java's SplittableRandom, never from ND4J's generator, which differs by
 * backend. {@code write FILE} records them on the backend this JVM runs (the CPU build);
 * {@code check FILE} computes them again (the -Pcuda build) and compares, as CudaParityTest
 * does under JUnit (jobs/bench/gpu-check.sh runs both).
 *
 * <p>Tolerances: float32 results of differently ordered sums (cuBLAS against OpenBLAS, the
 * GPU's op chains against the CPU's fused kernels): embeddings (unit vectors) within 1·10⁻⁴
 * per element, the loss within 1·10⁻⁴ relative, gradients within 1·10⁻³ of their largest
 * magnitude.
 *
 * <p>Usage: {@code DeviceParity write|check FILE}
 */
public final class DeviceParity {

  public static final double EMBEDDING_TOLERANCE = 1e-4;
  public static final double LOSS_TOLERANCE = 1e-4;
  public static final double GRADIENT_TOLERANCE = 1e-3;
  private static final int FORMAT = 1;

  private DeviceParity() {}

  /** The figures of one backend; the arrays are flattened row-major. */
  public record Snapshot(String backend, float[] textEmbeddings, float[] mediaEmbeddings,
      float[] mediaGradients, double stepLoss, float[] stepGradients) {}

  /** Largest differences of {@code got} from the reference, each in its tolerance's terms. */
  public record Comparison(double textEmbeddings, double mediaEmbeddings, double mediaGradients,
      double stepLoss, double stepGradients) {

    public boolean passes() {
      return textEmbeddings <= EMBEDDING_TOLERANCE && mediaEmbeddings <= EMBEDDING_TOLERANCE
          && mediaGradients <= GRADIENT_TOLERANCE && stepLoss <= LOSS_TOLERANCE
          && stepGradients <= GRADIENT_TOLERANCE;
    }

    @Override
    public String toString() {
      return String.format("text embeddings max |Δ| %.2e, media embeddings max |Δ| %.2e, media"
          + " backward max |Δg|/max|g| %.2e, step loss |Δ|/|loss| %.2e, step gradients max"
          + " |Δg|/max|g| %.2e (tolerances: embeddings %.0e, gradients %.0e, loss %.0e)",
          textEmbeddings, mediaEmbeddings,
          mediaGradients, stepLoss, stepGradients, EMBEDDING_TOLERANCE, GRADIENT_TOLERANCE,
          LOSS_TOLERANCE);
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 2 || !(args[0].equals("write") || args[0].equals("check"))) {
      System.err.println("usage: DeviceParity write|check FILE");
      System.exit(2);
    }
    Path file = Path.of(args[1]);
    System.out.printf("device parity: ND4J backend %s, kernels %s%n", Backend.active(),
        KernelPath.active().key());
    if (args[0].equals("write")) {
      write(compute(), file);
      System.out.println("device parity: reference written to " + file);
      return;
    }
    Comparison c = compare(read(file), compute());
    System.out.println("RESULT device parity vs " + file + ": " + c + (c.passes() ? " PASS"
        : " FAIL"));
    System.exit(c.passes() ? 0 : 1);
  }

  /** The figures on this JVM's backend, on the calling thread's device. */
  public static Snapshot compute() throws IOException {
    MediaSpec spec = MediaSpec.preset("tiny");
    ModelConfig config = ModelConfig.preset("tiny");
    Encoder encoder = Encoder.randomInit(config, 7).withMedia(spec, 8);
    int vocab = encoder.config().vocabSize();
    int dim = encoder.config().outputDim();
    SplittableRandom random = new SplittableRandom(9);

    List<TokenizedExample> pairs = TrainStep.randomBatch(random, 8, 16, vocab);
    List<int[]> texts = new java.util.ArrayList<>();
    for (TokenizedExample e : pairs) {
      texts.add(e.queryBare().ids());
    }
    float[] text = flat(encoder.forward(TokenBatch.ofText(texts), new Workspace(), false));

    TokenBatch mixed = mixedBatch(spec, vocab, random);
    Workspace ws = new Workspace();
    float[] media = flat(encoder.forward(mixed, ws, true));
    encoder.store().zeroGrads();
    encoder.backward(mixed, Nd4j.createFromArray(gaussian(random, mixed.batch(), dim)), ws);
    float[] mediaGrads = encoder.store().grads().toFloatVector();

    ContrastiveStep step = new ContrastiveStep(encoder, new InBatchNceLoss(0.05, List.of(dim),
        List.of(1.0), false), 0.0, 0, 0, Collective.single());
    double loss = step.run(1, pairs).loss();
    float[] stepGrads = encoder.store().grads().toFloatVector();
    return new Snapshot(Backend.active().name().toLowerCase(java.util.Locale.ROOT), text, media,
        mediaGrads, loss, stepGrads);
  }

  /** {@code got} against the reference {@code ref}. */
  public static Comparison compare(Snapshot ref, Snapshot got) {
    return new Comparison(maxDiff(ref.textEmbeddings(), got.textEmbeddings()),
        maxDiff(ref.mediaEmbeddings(), got.mediaEmbeddings()),
        maxDiff(ref.mediaGradients(), got.mediaGradients()) / maxAbs(ref.mediaGradients()),
        Math.abs(ref.stepLoss() - got.stepLoss()) / Math.abs(ref.stepLoss()),
        maxDiff(ref.stepGradients(), got.stepGradients()) / maxAbs(ref.stepGradients()));
  }

  /**
   * Three sequences of 12 positions: text only; text around four image patches; four audio
   * patches then six video patches of three frames, then text. Token ids repeat.
   */
  public static TokenBatch mixedBatch(MediaSpec spec, int vocab, SplittableRandom random) {
    int len = 12;
    int b = 3;
    int[] ids = new int[b * len];
    int[] types = new int[b * len];
    float[][] patches = new float[b * len][];
    int[] times = new int[b * len];
    int[] lengths = {9, 12, 11};
    for (int s = 0; s < b; s++) {
      for (int t = 0; t < lengths[s]; t++) {
        int i = s * len + t;
        Modality m = s == 1 && t >= 2 && t < 6 ? Modality.IMAGE
            : s == 2 && t < 4 ? Modality.AUDIO
            : s == 2 && t < 10 ? Modality.VIDEO : Modality.TEXT;
        types[i] = m.typeId();
        if (m == Modality.TEXT) {
          ids[i] = 1 + random.nextInt(Math.min(vocab, 40) - 1);
          continue;
        }
        int width = switch (m) {
          case IMAGE -> spec.image().patchDim();
          case AUDIO -> spec.audio().patchDim();
          default -> spec.video().image().patchDim();
        };
        patches[i] = new float[width];
        for (int d = 0; d < width; d++) {
          patches[i][d] = (float) random.nextDouble(-1, 1);
        }
        times[i] = m == Modality.VIDEO ? (t - 4) % spec.videoFrames() : 0;
      }
    }
    return new TokenBatch(b, len, ids, types, lengths, patches, times);
  }

  private static float[][] gaussian(SplittableRandom random, int rows, int cols) {
    float[][] x = new float[rows][cols];
    for (float[] row : x) {
      for (int c = 0; c < cols; c++) {
        row[c] = (float) (random.nextDouble(-1, 1));
      }
    }
    return x;
  }

  private static float[] flat(INDArray a) {
    return a.castTo(DataType.FLOAT).dup('c').reshape(new long[] {a.length()}).toFloatVector();
  }

  private static double maxDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(a.length + " values against " + b.length);
    }
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }

  private static double maxAbs(float[] a) {
    double m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  /** Writes {@code s} (big-endian, DataOutputStream's), with a format number first. */
  public static void write(Snapshot s, Path file) throws IOException {
    try (OutputStream raw = Files.newOutputStream(file);
        DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(raw))) {
      out.writeInt(FORMAT);
      out.writeUTF(s.backend());
      for (float[] a : new float[][] {s.textEmbeddings(), s.mediaEmbeddings(),
          s.mediaGradients()}) {
        writeFloats(out, a);
      }
      out.writeDouble(s.stepLoss());
      writeFloats(out, s.stepGradients());
    }
  }

  public static Snapshot read(Path file) throws IOException {
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
      int format = in.readInt();
      if (format != FORMAT) {
        throw new IOException(file + ": device parity format " + format + ", expected "
            + FORMAT + ": write it again with this build");
      }
      String backend = in.readUTF();
      float[] text = readFloats(in);
      float[] media = readFloats(in);
      float[] mediaGrads = readFloats(in);
      double loss = in.readDouble();
      return new Snapshot(backend, text, media, mediaGrads, loss, readFloats(in));
    }
  }

  private static void writeFloats(DataOutputStream out, float[] a) throws IOException {
    out.writeInt(a.length);
    for (float v : a) {
      out.writeFloat(v);
    }
  }

  private static float[] readFloats(DataInputStream in) throws IOException {
    float[] a = new float[in.readInt()];
    for (int i = 0; i < a.length; i++) {
      a[i] = in.readFloat();
    }
    return a;
  }
}
