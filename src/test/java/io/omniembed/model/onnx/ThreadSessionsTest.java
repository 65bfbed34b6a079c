package io.omniembed.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.model.Encoder;
import io.omniembed.model.LoadedModel;
import io.omniembed.model.OrtSessions;
import io.omniembed.model.Vectors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One graph, several thread counts: the driver embeds with every core and each Spark task with
 * its own, over one loaded model ({@link OrtSessions}, {@code TextEmbedder.withThreads}). A
 * session is made once per count and only when asked for, and the vectors do not depend on it.
 */
class ThreadSessionsTest {

  @Test
  void aSessionPerThreadCountMadeOnceAndOnlyWhenAskedFor() throws Exception {
    LoadedModel tiny = new LoadedModel(Encoder.randomInit(ModelConfig.preset("tiny"), 3),
        TextTokenizer.readBundled(), "random:tiny", "test");
    byte[] graph = OnnxExport.graph(tiny, Precision.FP32);
    try (OrtSessions sessions = new OrtSessions(graph, "tiny", (o, gpu) -> { })) {
      OrtSession one = sessions.get(1);
      assertSame(one, sessions.get(1));
      assertNotSame(one, sessions.get(2));
      assertThrows(IllegalArgumentException.class, () -> sessions.get(0));
    }
    TextTokenizer tok = TextTokenizer.bundledMiniLm();
    try (ExportedEmbedder two = new ExportedEmbedder(graph, tiny.encoder().config(), tok,
        "random:tiny", "test", 2)) {
      assertSame(two, two.withThreads(2));
      ExportedEmbedder one = two.withThreads(1);
      assertNotSame(two, one);
      assertEquals(two.modelHash(), one.modelHash());
      List<int[]> batch = new ArrayList<>();
      for (String t : List.of("one", "two words here", "a somewhat longer text of several"
          + " words, to pad the others", "x")) {
        batch.add(tok.encode(t, 64).ids());
      }
      float[][] a = two.embed(batch);
      float[][] b = one.embed(batch);
      for (int i = 0; i < a.length; i++) {
        double cos = Vectors.cosine(a[i], b[i]);
        assertTrue(cos >= 0.999999, "text " + i + ": 1 vs 2 threads, cosine " + cos);
      }
      assertSame(two, two.onGpu(1), "a CPU model has no GPU to move to");
    }
  }

  /**
   * A task on GPU executors gets a session on the GPU Spark assigned it: each (threads, GPU)
   * pair is its own session, and the GPU's ordinal reaches the session's options (where the
   * CUDA provider is added; recorded here, since this machine has none).
   */
  @Test
  void aSessionPerThreadCountAndGpu() throws Exception {
    LoadedModel tiny = new LoadedModel(Encoder.randomInit(ModelConfig.preset("tiny"), 3),
        TextTokenizer.readBundled(), "random:tiny", "test");
    byte[] graph = OnnxExport.graph(tiny, Precision.FP32);
    List<Integer> gpus = new ArrayList<>();
    try (OrtSessions sessions = new OrtSessions(graph, "tiny", (o, gpu) -> gpus.add(gpu))) {
      OrtSession first = sessions.get(1, 0);
      assertSame(first, sessions.get(1));
      OrtSession second = sessions.get(1, 1);
      assertNotSame(first, second);
      assertSame(second, sessions.get(1, 1));
      assertNotSame(second, sessions.get(2, 1));
      assertEquals(List.of(0, 1, 1), gpus, "one session for each pair, with its GPU");
      assertThrows(IllegalArgumentException.class, () -> sessions.get(1, -1));
    }
    // This CPU build has no CUDA provider: refused when the model is loaded (on the driver,
    // which needs no GPU itself), naming what is missing.
    String refused = assertThrows(IllegalArgumentException.class, () -> new ExportedEmbedder(
        graph, tiny.encoder().config(), TextTokenizer.bundledMiniLm(), "random:tiny", "test",
        io.omniembed.model.ModelCard.NONE, Precision.FP32, Inference.Device.CUDA, 1))
        .getMessage();
    assertTrue(refused.startsWith("--device cuda: ONNX Runtime's CUDA execution provider is not"
        + " available (this ONNX Runtime build has no CUDA provider)"), refused);
    assertTrue(refused.contains("-Pcuda-inference"), refused);
  }
}
