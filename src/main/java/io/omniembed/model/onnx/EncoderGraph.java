package io.omniembed.model.onnx;

import io.omniembed.config.MediaSpec;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.Modality;
import io.omniembed.model.Encoder;
import io.omniembed.model.layer.ParamStore;
import java.util.List;

/**
 * The {@link Encoder}'s forward pass as one ONNX graph (opset 17), op for op: the whole input in,
 * the pooled, projected, L2-normalised embedding out.
 *
 * <pre>
 *   inputs   input_ids       int64 [B, L]      token ids, 0 at media and padding positions
 *            attention_mask  int64 [B, L]      1 for the sequence's positions, 0 for padding
 *   media    patches         float [B, L, P]   each media position's patch, zero-padded to
 *                                              P = the widest tower's patch; zeros elsewhere
 *            modality_ids    int64 [B, L]      Modality.typeId per position (text and padding 0)
 *            frame_ids       int64 [B, L]      a video patch's frame, 0 elsewhere
 *   output   embedding       float [B, D]
 *
 *   x₀ = LN(tok|patch + modality + position)           tok = token[input_ids]; at a media
 *                                                      position patch·W_m + b_m (+ time[frame])
 *   x_i = LN₂(h + W₂·gelu(W₁·h)),  h = LN₁(x + Attn(x))  (post-LN BERT blocks, exact erf GELU)
 *   e = normalize(mean over real positions(x_N)·W_proj + b_proj)
 * </pre>
 *
 * <p>Each media tower runs over every position and a per-position {@code Where} on the modality
 * picks its row, so the graph has no data-dependent shapes; the towers are one small GEMM each,
 * beside the blocks' eight. Padding keys get −10⁹ before the softmax, as in the encoder.
 *
 * <p>With {@link Precision#INT8} every MatMul that has a weight (Q/K/V, attention output, both
 * FFN layers, the projection, the media towers) runs on 8-bit integers: the weights of {@link
 * Int8Weights} (per output channel), the activation quantised at run time per row, that is per
 * token, with a symmetric scale ({@code ReduceMax(|x|)/127 → QuantizeLinear(axis 0)}), then
 * {@code MatMulInteger → Cast → Mul(s_W) → Mul(s_x) → Add(b)}. The attention products Q·Kᵀ and
 * P·V stay float. The textbook form, {@code DynamicQuantizeLinear} with one scale per tensor
 * (which ONNX Runtime fuses into its DynamicQuantizeMatMul kernel), was measured first on
 * all-MiniLM-L6-v2: worst cosine to the fp32 encoder 0.984 over 120 texts, against 0.9928 per
 * row — one scale for a whole padded batch is set by its largest activations.
 */
public final class EncoderGraph {

  public static final String INPUT_IDS = "input_ids";
  public static final String ATTENTION_MASK = "attention_mask";
  public static final String PATCHES = "patches";
  public static final String MODALITY_IDS = "modality_ids";
  public static final String FRAME_IDS = "frame_ids";
  public static final String EMBEDDING = "embedding";

  /** ONNX opset: 17 is the first with LayerNormalization; ONNX Runtime 1.20 runs up to 21. */
  public static final long OPSET = 17;
  /** IR version 8 goes with opset 17 (and is the newest that onnx 1.12's checker reads). */
  public static final long IR_VERSION = 8;

  private static final Modality[] MEDIA = {Modality.IMAGE, Modality.AUDIO, Modality.VIDEO};
  private static final String BATCH = "batch";
  private static final String SEQUENCE = "sequence";
  private static final float MASKED = -1e9f;

  private final OnnxGraph g;
  private final ModelConfig config;
  private final ParamStore store;
  private final float[] params;
  private final Precision precision;

  private EncoderGraph(Encoder encoder, Precision precision) {
    this.config = encoder.config();
    this.store = encoder.store();
    this.params = store.toFloatArray();
    this.precision = precision;
    this.g = new OnnxGraph("omniembed " + config.name(), OPSET);
  }

  /** The graph of {@code encoder} at {@code precision}. */
  public static OnnxGraph build(Encoder encoder, Precision precision) {
    EncoderGraph b = new EncoderGraph(encoder, precision);
    b.forward();
    return b.g;
  }

  /** The patch width P of the {@code patches} input: the widest of the three towers' inputs. */
  public static int patchWidth(MediaSpec media) {
    return Math.max(media.image().patchDim(), Math.max(media.audio().patchDim(),
        media.video().image().patchDim()));
  }

  /** Each media tower's patch width, by modality (the first that many values of P are read). */
  public static int patchDim(MediaSpec media, Modality m) {
    return switch (m) {
      case IMAGE -> media.image().patchDim();
      case AUDIO -> media.audio().patchDim();
      case VIDEO -> media.video().image().patchDim();
      case TEXT -> throw new IllegalArgumentException("text has no patches");
    };
  }

  private void forward() {
    g.input(INPUT_IDS, OnnxGraph.ElemType.INT64, BATCH, SEQUENCE);
    g.input(ATTENTION_MASK, OnnxGraph.ElemType.INT64, BATCH, SEQUENCE);
    if (config.hasMedia()) {
      g.input(PATCHES, OnnxGraph.ElemType.FLOAT, BATCH, SEQUENCE,
          (long) patchWidth(config.media()));
      g.input(MODALITY_IDS, OnnxGraph.ElemType.INT64, BATCH, SEQUENCE);
      g.input(FRAME_IDS, OnnxGraph.ElemType.INT64, BATCH, SEQUENCE);
    }
    String mask = g.node("/mask/Cast", "Cast", List.of(ATTENTION_MASK),
        OnnxGraph.attr("to", OnnxGraph.ElemType.FLOAT.code));                  // [B, L]
    String x = embeddings();
    String keyBias = keyBias(mask);
    for (int i = 0; i < config.layers(); i++) {
      x = block(i, x, keyBias);
    }
    String pooled = switch (config.pooling()) {                                // [B, H]
      case MEAN -> meanPool(x, mask);
      case CLS -> clsPool(x);
    };
    String projected = linear("/projection", pooled, "projection");            // [B, D]
    String norm = g.node("/normalize/ReduceL2", "ReduceL2", List.of(projected),
        OnnxGraph.ints("axes", 1), OnnxGraph.attr("keepdims", 1));             // [B, 1]
    String denominator = g.node("/normalize/Add", "Add", List.of(norm, g.scalar(1e-12f)));
    g.node(EMBEDDING, "Div", List.of(projected, denominator));
    g.output(EMBEDDING, OnnxGraph.ElemType.FLOAT, BATCH, (long) config.outputDim());
  }

  /** x₀ = LN(token or patch row + modality row + position row)   [B, L, H]. */
  private String embeddings() {
    String tok = g.node("/embeddings/token/Gather", "Gather",
        List.of(weight("embeddings.token"), INPUT_IDS));                       // [B, L, H]
    String x;
    if (config.hasMedia()) {
      x = mediaRows(tok);
      String modality = g.node("/embeddings/modality/Gather", "Gather",
          List.of(weight("embeddings.modality"), MODALITY_IDS));
      x = g.node("/embeddings/modality/Add", "Add", List.of(x, modality));
    } else {
      // A text-only model sees modality row 0 (text) everywhere: one [H] row, broadcast.
      String textRow = g.floats("embeddings.modality.text", row("embeddings.modality", 0),
          config.hidden());
      x = g.node("/embeddings/modality/Add", "Add", List.of(tok, textRow));
    }
    x = g.node("/embeddings/position/Add", "Add", List.of(x, positionRows(config.positionOffset())));
    return layerNorm("/embeddings/ln", x, "embeddings.ln");
  }

  /**
   * Rows offset … offset+L−1 of the position table   [L, H]. The encoder reads from row 0; a
   * model whose positions start later (RoBERTa's offset of 2) takes another {@code offset}.
   */
  private String positionRows(long offset) {
    String len = g.node("/embeddings/position/Shape", "Shape", List.of(INPUT_IDS),
        OnnxGraph.attr("start", 1), OnnxGraph.attr("end", 2));                 // [1] = L
    String end = offset == 0 ? len : g.node("/embeddings/position/End", "Add",
        List.of(len, g.longs(offset)));
    return g.node("/embeddings/position/Slice", "Slice", List.of(weight("embeddings.position"),
        g.longs(offset), end, g.longs(0)));
  }

  /**
   * Each position's input row: its token row at text positions, its modality's patch embedding
   * at media positions (PatchEmbeddings: patch·W_m + b_m, plus the frame's time row for video).
   */
  private String mediaRows(String tok) {
    MediaSpec media = config.media();
    int width = patchWidth(media);
    String[] embedded = new String[MEDIA.length];
    String[] here = new String[MEDIA.length];
    for (int m = 0; m < MEDIA.length; m++) {
      String key = MEDIA[m].key();
      String scope = "/media/" + key;
      int dim = patchDim(media, MEDIA[m]);
      String patches = dim == width ? PATCHES : g.node(scope + "/Slice", "Slice",
          List.of(PATCHES, g.longs(0), g.longs(dim), g.longs(2)));             // [B, L, P_m]
      String e = linear(scope, patches, "media." + key);                       // [B, L, H]
      if (MEDIA[m] == Modality.VIDEO) {
        String time = g.node(scope + "/time/Gather", "Gather",
            List.of(weight("media.time"), FRAME_IDS));
        e = g.node(scope + "/time/Add", "Add", List.of(e, time));
      }
      embedded[m] = e;
      String is = g.node(scope + "/Equal", "Equal", List.of(MODALITY_IDS,
          g.index(MEDIA[m].typeId())));                                         // [B, L]
      here[m] = g.node(scope + "/Unsqueeze", "Unsqueeze", List.of(is, g.longs(2)));
    }
    String x = tok;
    for (int m = MEDIA.length - 1; m >= 0; m--) {
      x = g.node("/media/" + MEDIA[m].key() + "/Where", "Where",
          List.of(here[m], embedded[m], x));
    }
    return x;
  }

  /** 0 for real keys, −10⁹ for padding   [B, 1, 1, L]. */
  private String keyBias(String mask) {
    String padding = g.node("/mask/Sub", "Sub", List.of(g.scalar(1f), mask));
    String bias = g.node("/mask/Mul", "Mul", List.of(padding, g.scalar(MASKED)));
    return g.node("/mask/Unsqueeze", "Unsqueeze", List.of(bias, g.longs(1, 2)));
  }

  /** One post-LN block (TransformerBlock, SelfAttention)   [B, L, H] → [B, L, H]. */
  private String block(int i, String x, String keyBias) {
    String scope = "/blocks." + i;
    String prefix = "blocks." + i;
    int h = config.hidden();
    int heads = config.heads();
    int dh = config.headDim();

    // [Q K V] = x·W_qkv + b_qkv, one GEMM; Q, K, V are its three column blocks.
    String qkv = linear(scope + "/attention/qkv", x, prefix + ".attention.qkv");   // [B, L, 3H]
    String[] split = g.node(scope + "/attention/Split", "Split",
        List.of(qkv, g.longs(h, h, h)), 3, OnnxGraph.attr("axis", 2));
    String headShape = g.longs(0, 0, heads, dh);
    String[] qkvHeads = new String[3];
    String[] names = {"q", "k", "v"};
    for (int p = 0; p < 3; p++) {
      String r = g.node(scope + "/attention/" + names[p] + "/Reshape", "Reshape",
          List.of(split[p], headShape));                                        // [B, L, n, dh]
      // K goes straight to [B, n, dh, L] for Q·Kᵀ.
      qkvHeads[p] = g.node(scope + "/attention/" + names[p] + "/Transpose", "Transpose",
          List.of(r), OnnxGraph.ints("perm", p == 1 ? new long[] {0, 2, 3, 1}
              : new long[] {0, 2, 1, 3}));
    }
    String scores = g.node(scope + "/attention/scores/MatMul", "MatMul",
        List.of(qkvHeads[0], qkvHeads[1]));                                     // [B, n, L, L]
    scores = g.node(scope + "/attention/scores/Mul", "Mul",
        List.of(scores, g.scalar((float) (1.0 / Math.sqrt(dh)))));
    scores = g.node(scope + "/attention/scores/Add", "Add", List.of(scores, keyBias));
    String probs = g.node(scope + "/attention/Softmax", "Softmax", List.of(scores),
        OnnxGraph.attr("axis", -1));
    String ctx = g.node(scope + "/attention/context/MatMul", "MatMul",
        List.of(probs, qkvHeads[2]));                                           // [B, n, L, dh]
    ctx = g.node(scope + "/attention/context/Transpose", "Transpose", List.of(ctx),
        OnnxGraph.ints("perm", 0, 2, 1, 3));                                    // [B, L, n, dh]
    ctx = g.node(scope + "/attention/context/Reshape", "Reshape",
        List.of(ctx, g.longs(0, 0, h)));                                        // [B, L, H]
    String attn = linear(scope + "/attention/out", ctx, prefix + ".attention.out");
    String residual = g.node(scope + "/residual1/Add", "Add", List.of(attn, x));
    String hidden = layerNorm(scope + "/ln1", residual, prefix + ".ln1");

    String u = linear(scope + "/ffn_in", hidden, prefix + ".ffn_in");          // [B, L, F]
    String y = linear(scope + "/ffn_out", gelu(scope + "/gelu", u), prefix + ".ffn_out");
    residual = g.node(scope + "/residual2/Add", "Add", List.of(y, hidden));
    return layerNorm(scope + "/ln2", residual, prefix + ".ln2");
  }

  /** gelu(u) = u·½(1 + erf(u/√2)), the form ONNX Runtime fuses into its Gelu kernel. */
  private String gelu(String scope, String u) {
    String z = g.node(scope + "/Div", "Div", List.of(u, g.scalar((float) Math.sqrt(2.0))));
    String erf = g.node(scope + "/Erf", "Erf", List.of(z));
    String onePlus = g.node(scope + "/Add", "Add", List.of(erf, g.scalar(1f)));
    String scaled = g.node(scope + "/Mul", "Mul", List.of(u, onePlus));
    return g.node(scope + "/Mul_half", "Mul", List.of(scaled, g.scalar(0.5f)));
  }

  /** Masked mean over real positions (MeanPooling)   [B, L, H] → [B, H]. */
  private String meanPool(String x, String mask) {
    String weights = g.node("/pool/Unsqueeze", "Unsqueeze", List.of(mask, g.longs(2)));
    String masked = g.node("/pool/Mul", "Mul", List.of(x, weights));
    String sum = g.node("/pool/ReduceSum", "ReduceSum", List.of(masked, g.longs(1)),
        OnnxGraph.attr("keepdims", 0));                                        // [B, H]
    String count = g.node("/pool/Count", "ReduceSum", List.of(mask, g.longs(1)),
        OnnxGraph.attr("keepdims", 1));                                        // [B, 1]
    return g.node("/pool/Div", "Div", List.of(sum, count));
  }

  /** The first position's state, [CLS] (ClsPooling)   [B, L, H] → [B, H]. */
  private String clsPool(String x) {
    return g.node("/pool/Gather", "Gather", List.of(x, g.index(0)),
        OnnxGraph.attr("axis", 1));
  }

  private String layerNorm(String scope, String x, String prefix) {
    return g.node(scope + "/LayerNormalization", "LayerNormalization",
        List.of(x, weight(prefix + ".weight"), weight(prefix + ".bias")),
        OnnxGraph.attr("axis", -1), OnnxGraph.attr("epsilon", (float) config.layerNormEps()));
  }

  /** y = x·W + b (Linear), in fp32 or dynamically quantised int8   [..., K] → [..., out]. */
  private String linear(String scope, String x, String prefix) {
    String b = weight(prefix + ".bias");
    if (precision == Precision.FP32) {
      String mm = g.node(scope + "/MatMul", "MatMul", List.of(x, weight(prefix + ".weight")));
      return g.node(scope + "/Add", "Add", List.of(mm, b));
    }
    // y ≈ s_x[r]·s_W[j]·Σ_k (x_q[r, k] − 128)·(W_q[k, j] − 128) + b[j]: x quantised per row
    // (token) at run time, W per output column (Int8Weights), both symmetric around 128.
    ParamStore.Slot slot = store.slot(prefix + ".weight");
    int in = (int) slot.shape()[0];
    int out = (int) slot.shape()[1];
    Int8Weights q = Int8Weights.quantize(values(slot), in, out);
    String wq = g.uint8s(prefix + ".weight.uint8", q.offsetBinary(), in, out);
    String ws = g.floats(prefix + ".weight.scale", q.scales(), out);
    String zero = g.uint8Scalar(Int8Weights.ZERO_POINT);
    String rows = g.node(scope + "/Flatten", "Reshape", List.of(x, g.longs(-1, in)));   // [N, K]
    String amax = g.node(scope + "/ReduceMax", "ReduceMax",
        List.of(g.node(scope + "/Abs", "Abs", List.of(rows))), OnnxGraph.ints("axes", 1),
        OnnxGraph.attr("keepdims", 0));                                         // [N]
    // An all-zero row (the patches input at text positions) gets a tiny scale, not 0/0.
    String sx = g.node(scope + "/scale", "Mul", List.of(g.node(scope + "/Max", "Max",
        List.of(amax, g.scalar(1e-30f))), g.scalar(1f / 127f)));                  // [N]
    String zp = g.node(scope + "/ZeroPoint", "Expand", List.of(zero,
        g.node(scope + "/Rows", "Shape", List.of(sx))));                         // [N] of 128
    String xq = g.node(scope + "/QuantizeLinear", "QuantizeLinear", List.of(rows, sx, zp),
        OnnxGraph.attr("axis", 0));                                             // uint8 [N, K]
    String acc = g.node(scope + "/MatMulInteger", "MatMulInteger",
        List.of(xq, wq, zero, zero));                                           // int32 [N, out]
    String y = g.node(scope + "/Cast", "Cast", List.of(acc),
        OnnxGraph.attr("to", OnnxGraph.ElemType.FLOAT.code));
    y = g.node(scope + "/Mul", "Mul", List.of(y, ws));
    y = g.node(scope + "/MulRow", "Mul", List.of(y, g.node(scope + "/RowScale", "Unsqueeze",
        List.of(sx, g.longs(1)))));
    y = g.node(scope + "/Add", "Add", List.of(y, b));
    String lead = g.node(scope + "/Lead", "Shape", List.of(x), OnnxGraph.attr("end", -1));
    String shape = g.node(scope + "/OutShape", "Concat", List.of(lead, g.longs(out)),
        OnnxGraph.attr("axis", 0));
    return g.node(scope + "/Unflatten", "Reshape", List.of(y, shape));           // [..., out]
  }

  /** A parameter as an initializer under its own name, in its declared shape. */
  private String weight(String name) {
    ParamStore.Slot s = store.slot(name);
    return g.floats(name, values(s), s.shape());
  }

  private float[] values(ParamStore.Slot s) {
    float[] v = new float[(int) s.size()];
    System.arraycopy(params, (int) s.offset(), v, 0, v.length);
    return v;
  }

  private float[] row(String name, int row) {
    ParamStore.Slot s = store.slot(name);
    int width = (int) s.shape()[1];
    float[] v = new float[width];
    System.arraycopy(params, (int) (s.offset() + (long) row * width), v, 0, width);
    return v;
  }
}
