package io.omniembed.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Per-output-channel symmetric 8-bit weights. */
class Int8WeightsTest {

  @Test
  void eachColumnHasItsOwnScaleAndRoundsToHalfAStep() {
    int in = 64;
    int out = 5;
    float[] w = new float[in * out];
    Random r = new Random(1);
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        // column j spans ±(j + 1)·0.1; column 4 is all zero
        w[i * out + j] = j == 4 ? 0f : (float) ((j + 1) * 0.1 * (2 * r.nextDouble() - 1));
      }
    }
    w[3 * out + 2] = -0.3f;                       // column 2's largest magnitude, negative
    Int8Weights q = Int8Weights.quantize(w, in, out);
    assertEquals(0.3f / 127f, q.scales()[2], 1e-9f);
    assertEquals(1f, q.scales()[4]);
    assertEquals(-127, q.values()[3 * out + 2]);
    float[] back = q.dequantize();
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        float err = Math.abs(back[i * out + j] - w[i * out + j]);
        assertTrue(err <= q.scales()[j] / 2 + 1e-7f, "W[" + i + "," + j + "] off by " + err);
        assertTrue(Math.abs(q.values()[i * out + j]) <= 127);
      }
    }
  }

  @Test
  void storedOffsetBy128() {
    Int8Weights q = Int8Weights.quantize(new float[] {-1f, 0f, 0.5f, 1f}, 4, 1);
    assertArrayEquals(new byte[] {-127, 0, 64, 127}, q.values());
    assertArrayEquals(new byte[] {1, (byte) 128, (byte) 192, (byte) 255}, q.offsetBinary());
  }
}
