package io.omniembed.model;

import io.omniembed.model.layer.TokenBatch;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.omniembed.data.text.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;

/**
 * The ONNX Runtime baseline: the same all-MiniLM-L6-v2 ONNX file, run by ONNX Runtime, followed
 * by the same masked mean pooling and L2 normalisation as sentence-transformers. Used by
 * {@code eval --model onnx:all-MiniLM-L6-v2} and as the reference of the parity test.
 */
public final class OnnxEmbedder implements TextEmbedder, AutoCloseable {

  private final OrtEnvironment env;
  private final OrtSessions sessions;
  private final int threads;
  private final TextTokenizer tokenizer;
  private final int maxLength;
  private final String hash;

  public OnnxEmbedder(TextTokenizer tokenizer, int maxLength, int intraOpThreads) {
    try (InputStream in = MiniLmImport.openOnnx()) {
      byte[] model = in.readAllBytes();
      this.sessions = new OrtSessions(model, MiniLmImport.ONNX_RESOURCE,
          (options, gpu) -> { });
      this.hash = java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(model));
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot start ONNX Runtime on " + MiniLmImport.ONNX_RESOURCE
          + ": " + e.getMessage(), e);
    }
    this.env = sessions.env();
    this.threads = intraOpThreads;
    this.tokenizer = tokenizer;
    this.maxLength = maxLength;
    sessions.get(intraOpThreads);
  }

  private OnnxEmbedder(OnnxEmbedder base, int threads) {
    this.env = base.env;
    this.sessions = base.sessions;
    this.threads = threads;
    this.tokenizer = base.tokenizer;
    this.maxLength = base.maxLength;
    this.hash = base.hash;
  }

  /** The same file run with {@code threads} intra-op threads (its own session, made lazily). */
  @Override
  public OnnxEmbedder withThreads(int threads) {
    return threads == this.threads ? this : new OnnxEmbedder(this, threads);
  }

  @Override
  public String engine() {
    return "onnx";
  }

  @Override
  public String modelId() {
    return "onnx:" + MiniLmImport.NAME;
  }

  @Override
  public String modelHash() {
    return hash;
  }

  @Override
  public int dim() {
    return 384;
  }

  @Override
  public int maxLength() {
    return maxLength;
  }

  @Override
  public int maxPositions() {
    return 512;
  }

  @Override
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public float[][] embed(List<int[]> sequences) {
    TokenBatch batch = TokenBatch.ofText(sequences);
    int b = batch.batch();
    int len = batch.len();
    long[] ids = new long[b * len];
    long[] mask = new long[b * len];
    long[] types = new long[b * len];
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < batch.lengths()[i]; t++) {
        ids[i * len + t] = batch.ids()[i * len + t];
        mask[i * len + t] = 1;
      }
    }
    long[] shape = {b, len};
    try (OnnxTensor idT = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
        OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor typeT = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
        OrtSession.Result result = sessions.get(threads).run(Map.of("input_ids", idT, "attention_mask", maskT,
            "token_type_ids", typeT))) {
      float[][][] hidden = (float[][][]) result.get(0).getValue();   // [B, L, H]
      float[][] out = new float[b][];
      for (int i = 0; i < b; i++) {
        out[i] = meanPoolNormalize(hidden[i], batch.lengths()[i]);
      }
      return out;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    }
  }

  private static float[] meanPoolNormalize(float[][] tokens, int length) {
    int h = tokens[0].length;
    double[] sum = new double[h];
    for (int t = 0; t < length; t++) {
      for (int c = 0; c < h; c++) {
        sum[c] += tokens[t][c];
      }
    }
    double norm = 0;
    for (int c = 0; c < h; c++) {
      sum[c] /= length;
      norm += sum[c] * sum[c];
    }
    norm = Math.sqrt(norm) + 1e-12;
    float[] out = new float[h];
    for (int c = 0; c < h; c++) {
      out[c] = (float) (sum[c] / norm);
    }
    return out;
  }

  @Override
  /** Closes the file's sessions, those of the {@link #withThreads} copies too. */
  public void close() {
    sessions.close();
  }
}
