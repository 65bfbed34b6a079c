package io.omniembed.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.omniembed.model.layer.Backend;
import io.omniembed.model.layer.KernelPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's CUDA backend against its CPU backend ({@link DeviceParity}): embeddings, a backward
 * pass through text and media positions, and one training step, on the GPU against the CPU's
 * figures, within DeviceParity's tolerances; and on the last GPU of the machine as a barrier
 * task selects it ({@link Backend#useGpu}), with the model's arrays on that device.
 *
 * <p>Runs in a -Pcuda build only (jobs/bench/gpu-check.sh): a jar without the CUDA backend
 * skips it by assumption. There it needs the CPU build's figures, written by {@code
 * DeviceParity write FILE} and named by {@code -Domniembed.parity.reference=FILE}. A CUDA
 * backend that is on the classpath but does not start fails, with ND4J's error.
 */
class CudaParityTest {

  private static DeviceParity.Snapshot cpu;

  @BeforeAll
  static void onTheCudaBackend() throws Exception {
    assumeTrue(Backend.cudaBuilt(), "needs a jar built with -Pcuda (ND4J's CUDA backend)");
    String reference = System.getProperty("omniembed.parity.reference");
    assertNotNull(reference, "give -Domniembed.parity.reference=FILE, written by DeviceParity"
        + " write FILE on the CPU build (jobs/bench/gpu-check.sh does both)");
    assertTrue(Files.isRegularFile(Path.of(reference)), reference + ": no such file");
    cpu = DeviceParity.read(Path.of(reference));
    assertEquals("cpu", cpu.backend(), "the reference must come from the CPU backend");
  }

  @Test
  void embeddingsAndATrainingStepMatchTheCpuBackend() throws Exception {
    assertEquals(Backend.CUDA, Backend.active());
    assertEquals(KernelPath.ND4J, KernelPath.active());
    DeviceParity.Comparison c = DeviceParity.compare(cpu, DeviceParity.compute());
    System.out.println("RESULT cuda parity (GPU " + Nd4j.getAffinityManager()
        .getDeviceForCurrentThread() + "): " + c);
    assertTrue(c.passes(), c.toString());
  }

  @Test
  void theGpuATaskSelectsHoldsItsModel() throws Exception {
    int last = Nd4j.getAffinityManager().getNumberOfDevices() - 1;
    AtomicReference<Object> result = new AtomicReference<>();
    // A fresh thread, as a barrier task is: it selects its GPU before allocating anything.
    Thread task = new Thread(() -> {
      try {
        Backend.useGpu(last);
        int device = Nd4j.getAffinityManager().getDeviceForArray(Nd4j.ones(4));
        result.set(new Object[] {device, DeviceParity.compare(cpu, DeviceParity.compute())});
      } catch (Throwable t) {
        result.set(t);
      }
    });
    task.start();
    task.join();
    if (result.get() instanceof Throwable t) {
      throw new AssertionError("on GPU " + last + ": " + t, t);
    }
    Object[] r = (Object[]) result.get();
    assertEquals(last, r[0], "arrays of the task's thread live on its GPU");
    DeviceParity.Comparison c = (DeviceParity.Comparison) r[1];
    System.out.println("RESULT cuda parity (GPU " + last + ", selected): " + c);
    assertTrue(c.passes(), c.toString());
  }
}
