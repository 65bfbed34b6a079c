package io.omniembed.model.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.omniembed.config.MediaSpec;
import io.omniembed.config.ModelConfig;
import io.omniembed.model.Encoder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layers' device path ({@link KernelPath#ND4J}: chains of ND4J ops, what a GPU runs) against
 * the fused host kernels ({@link KernelPath#FUSED}) on the CPU backend: each kernel that has two
 * paths on random inputs, then a whole encoder with text, image, audio and video positions,
 * forward and backward. The tolerances are float32 rounding of differently ordered sums (and
 * the fused GELU's erf, within 1.5·10⁻⁷); a kernel that drops, repeats or misplaces a row misses
 * them by orders of magnitude.
 */
class DevicePathParityTest {

  @BeforeEach
  void onTheCpuBackend() {
    // The fused kernels run on the CPU backend only; under -Pcuda the GPU parity tests
    // (CudaParityTest) compare the device path against the CPU instead.
    assumeTrue(Backend.active() == Backend.CPU, "the fused kernels need ND4J's CPU backend");
  }

  @AfterEach
  void backToTheDefault() {
    KernelPath.use(KernelPath.choose(null, Backend.active()));
  }

  @Test
  void thePathFollowsTheBackendUnlessThePropertySaysOtherwise() {
    assertEquals(KernelPath.FUSED, KernelPath.choose(null, Backend.CPU));
    assertEquals(KernelPath.ND4J, KernelPath.choose(null, Backend.CUDA));
    assertEquals(KernelPath.ND4J, KernelPath.choose("nd4j", Backend.CPU));
    assertEquals(KernelPath.FUSED, KernelPath.choose("fused", Backend.CPU));
    assertEquals("-Domniembed.kernels=fused reads and writes host buffers and runs on ND4J's CPU"
        + " backend only; this JVM runs cuda: leave the property out or give nd4j",
        assertThrows(IllegalArgumentException.class,
            () -> KernelPath.choose("fused", Backend.CUDA)).getMessage());
    assertEquals("-Domniembed.kernels takes fused or nd4j, not 'gpu'",
        assertThrows(IllegalArgumentException.class,
            () -> KernelPath.choose("gpu", Backend.CPU)).getMessage());
    assertEquals(false, Backend.cudaBuilt(), "a CPU build has no CUDA backend class");
  }

  @Test
  void scatterAddSumsRepeatedRowsAndSkipsMediaPositions() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      int n = 700;
      int h = 24;
      SplittableRandom random = new SplittableRandom(3);
      int[] rows = new int[n];
      Object[] skip = new Object[n];
      for (int i = 0; i < n; i++) {
        rows[i] = random.nextInt(i % 3 == 0 ? 4 : 50);    // many repeats of rows 0..3
        skip[i] = random.nextInt(5) == 0 ? "patch" : null;
      }
      INDArray de = Nd4j.rand(type, n, h).subi(0.5);
      ParamStore fused = table(type, 50, h);
      ParamStore ops = table(type, 50, h);
      ops.grads().assign(fused.grads());
      TokenEmbeddings.fusedScatterAdd(fused, de, rows, fused.slot("t.table"), h, skip);
      TokenEmbeddings.opScatterAdd(ops, de, rows, ops.slot("t.table"), skip);
      assertClose(type + " table gradient", fused.grads(), ops.grads(),
          type == DataType.FLOAT ? 2e-5 : 1e-12);
      // Outside the slot nothing moved.
      assertEquals(fused.grad("t.before"), ops.grad("t.before"));
      assertEquals(fused.grad("t.after"), ops.grad("t.after"));
    }
  }

  @Test
  void copyRowsPlacesEachRowWhereTheIndexSays() {
    INDArray src = Nd4j.rand(DataType.FLOAT, 5, 7);
    int[] rows = {9, 0, 4, 11, 2};
    INDArray fused = Nd4j.rand(DataType.FLOAT, 12, 7);
    INDArray ops = fused.dup();
    PatchEmbeddings.fusedCopyRows(src, fused, rows);
    KernelPath.use(KernelPath.ND4J);
    PatchEmbeddings.copyRows(src, ops, rows);
    assertEquals(fused, ops);
    assertEquals(src.getRow(3), ops.getRow(11));
  }

  @Test
  void encoderForwardAndBackwardMatchOnBothPaths() {
    MediaSpec spec = MediaSpec.preset("tiny");
    Encoder encoder = Encoder.randomInit(ModelConfig.preset("tiny"), 5).withMedia(spec, 6);
    TokenBatch batch = io.omniembed.bench.DeviceParity.mixedBatch(spec,
        encoder.config().vocabSize(), new SplittableRandom(11));
    INDArray dEmbedding = Nd4j.rand(DataType.FLOAT, batch.batch(), encoder.config().outputDim())
        .subi(0.5);

    KernelPath.use(KernelPath.FUSED);
    Workspace fusedWs = new Workspace();
    INDArray fusedOut = encoder.forward(batch, fusedWs, true).dup();
    encoder.store().zeroGrads();
    encoder.backward(batch, dEmbedding.dup(), fusedWs);
    INDArray fusedGrads = encoder.store().grads().dup();

    KernelPath.use(KernelPath.ND4J);
    Workspace opsWs = new Workspace();
    INDArray opsOut = encoder.forward(batch, opsWs, true).dup();
    encoder.store().zeroGrads();
    encoder.backward(batch, dEmbedding.dup(), opsWs);
    INDArray opsGrads = encoder.store().grads();

    assertClose("embeddings", fusedOut, opsOut, 2e-5);
    double scale = fusedGrads.amaxNumber().doubleValue();
    double err = fusedGrads.sub(opsGrads).amaxNumber().doubleValue();
    assertTrue(scale > 1e-3, "the backward produced gradients: max |g| = " + scale);
    assertTrue(err / scale < 1e-4, "gradients: max |fused − ops| / max |g| = " + err / scale);
    for (String name : new String[] {"embeddings.token", "embeddings.modality",
        "media.image.weight", "media.audio.weight",
        "media.video.weight", "media.time"}) {
      assertTrue(encoder.store().grad(name).amaxNumber().doubleValue() > 0,
          name + " has a gradient on the ND4J path");
    }
  }

  private static ParamStore table(DataType type, int rows, int h) {
    ParamStore.Layout layout = new ParamStore.Layout();
    layout.add("t.before", 5).add("t.table", rows, h).add("t.after", 3);
    ParamStore store = new ParamStore(layout, type);
    store.grads().assign(Nd4j.rand(type, store.size()));
    return store;
  }

  private static void assertClose(String what, INDArray a, INDArray b, double tol) {
    double err = a.sub(b).amaxNumber().doubleValue();
    assertTrue(err < tol, what + ": max |fused − ops| = " + err);
  }
}
