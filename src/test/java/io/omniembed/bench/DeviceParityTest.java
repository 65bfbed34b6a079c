package io.omniembed.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPU half of the device check (jobs/bench/gpu-check.sh): DeviceParity's figures are the
 * same run after run, survive their file, and a gradient off by more than the tolerance fails
 * the comparison.
 */
class DeviceParityTest {

  @Test
  void theReferenceIsReproducibleAndAnOffGradientFails(@TempDir Path dir) throws Exception {
    DeviceParity.Snapshot first = DeviceParity.compute();
    Path file = dir.resolve("parity-cpu.bin");
    DeviceParity.write(first, file);
    DeviceParity.Snapshot read = DeviceParity.read(file);
    assertEquals("cpu", read.backend());
    assertArrayEquals(first.stepGradients(), read.stepGradients());
    assertArrayEquals(first.mediaEmbeddings(), read.mediaEmbeddings());
    assertTrue(Double.isFinite(read.stepLoss()) && read.stepLoss() > 0, "loss " + read.stepLoss());

    DeviceParity.Comparison again = DeviceParity.compare(read, DeviceParity.compute());
    assertEquals(0.0, again.textEmbeddings());
    assertEquals(0.0, again.mediaGradients());
    assertEquals(0.0, again.stepGradients(), again.toString());
    assertTrue(again.passes());

    float[] off = first.stepGradients().clone();
    int largest = 0;
    for (int i = 0; i < off.length; i++) {
      largest = Math.abs(off[i]) > Math.abs(off[largest]) ? i : largest;
    }
    off[largest] *= 1.01f;                       // 1% of the largest gradient: 10x the tolerance
    DeviceParity.Comparison c = DeviceParity.compare(read, new DeviceParity.Snapshot("cuda",
        first.textEmbeddings(), first.mediaEmbeddings(), first.mediaGradients(),
        first.stepLoss(), off));
    assertFalse(c.passes(), c.toString());
  }
}
