package io.omniembed.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The stored forms of a vector component: half floats, int8 and packed sign bits. */
class OutputPrecisionTest {

  /** Bit patterns from the IEEE 754 binary16 tables (sign, 5 exponent bits, 10 mantissa bits). */
  @Test
  void float16OfKnownValues() {
    assertEquals(0x3c00, bits(1f));
    assertEquals(0xc000, bits(-2f));
    assertEquals(0x3800, bits(0.5f));
    assertEquals(0x2e66, bits(0.1f));   // 0.0999755859375, the nearest half to 0.1
    assertEquals(0x7bff, bits(65504f));   // the largest finite half
    assertEquals(0x7c00, bits(65520f));   // halfway to 65536: ties to even, which overflows
    assertEquals(0x0001, bits(0x1p-24f));   // the smallest subnormal
    assertEquals(0x0000, bits(0x1p-25f));   // halfway to it: ties to even, 0
    assertEquals(0x0001, bits(0x1.8p-25f));
    assertEquals(0x8000, bits(-0f));
    assertEquals(0x3c00, bits(1 + 0x1p-11f));   // halfway between 0x3c00 and 0x3c01: even
    assertEquals(0x3c02, bits(1 + 0x3p-11f));   // halfway between 0x3c01 and 0x3c02: even
    assertEquals(0x7c00, bits(Float.POSITIVE_INFINITY));
    assertTrue(Float.isNaN(OutputPrecision.fromFloat16(OutputPrecision.toFloat16(Float.NaN))));
  }

  @Test
  void everyHalfSurvivesTheRoundTrip() {
    for (int h = 0; h < 0x10000; h++) {
      float f = OutputPrecision.fromFloat16((short) h);
      if (!Float.isNaN(f)) {
        assertEquals(h, bits(f), () -> Float.toString(f));
      }
    }
  }

  @Test
  void float16IsTheNearestHalfToUnitVectorComponents() {
    Random r = new Random(5);
    for (int i = 0; i < 100_000; i++) {
      float x = r.nextFloat() * 2 - 1;
      short h = OutputPrecision.toFloat16(x);
      float error = Math.abs(OutputPrecision.fromFloat16(h) - x);
      assertTrue(error <= 0x1p-12f, x + " -> " + OutputPrecision.fromFloat16(h));
      for (int step : new int[] {-1, 1}) {   // no neighbouring half is closer
        float neighbour = OutputPrecision.fromFloat16((short) (h + step));
        assertTrue(Float.isNaN(neighbour) || Math.abs(neighbour - x) >= error,
            x + ": " + neighbour + " is closer");
      }
    }
  }

  @Test
  void int8IsRoundedAndClamped() {
    assertEquals(127, OutputPrecision.toInt8(1f));
    assertEquals(-127, OutputPrecision.toInt8(-1f));
    assertEquals(0, OutputPrecision.toInt8(0f));
    assertEquals(64, OutputPrecision.toInt8(0.5f));   // 63.5 rounds up
    assertEquals(127, OutputPrecision.toInt8(3f));
    assertEquals(-127, OutputPrecision.toInt8(-3f));   // never -128: the scale is symmetric
    Random r = new Random(9);
    for (int i = 0; i < 10_000; i++) {
      float x = r.nextFloat() * 2 - 1;
      assertTrue(Math.abs(OutputPrecision.toInt8(x) * OutputPrecision.INT8_SCALE - x)
          <= 0.5 / 127 + 1e-7, Float.toString(x));
    }
  }

  @Test
  void signsArePackedMostSignificantBitFirst() {
    float[] v = {0.3f, -0.1f, 0f, 0.2f, 0.2f, -0.5f, -0.5f, 0.1f, -0.1f, 0.4f};
    //           1      0      0   1     1     0      0      1   | 0     1   (padding 000000)
    assertArrayEquals(new byte[] {(byte) 0b1001_1001, (byte) 0b0100_0000},
        OutputPrecision.packSigns(v));
    for (int i = 0; i < v.length; i++) {
      assertEquals(v[i] > 0, OutputPrecision.sign(OutputPrecision.packSigns(v), i));
    }
    assertEquals(0, OutputPrecision.packSigns(new float[0]).length);
    assertEquals(1, OutputPrecision.packSigns(new float[8]).length);
  }

  @Test
  void parsesTheOptionValues() {
    assertEquals(OutputPrecision.FLOAT16, OutputPrecision.parse("float16"));
    assertEquals("binary", OutputPrecision.BINARY.key());
    assertEquals(1.0 / 127, OutputPrecision.INT8.scale());
    assertEquals(null, OutputPrecision.FLOAT32.scale());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OutputPrecision.parse("fp16"));
    assertEquals("--output-precision must be one of float32, float16, int8, binary; got 'fp16'",
        e.getMessage());
  }

  private static int bits(float x) {
    return OutputPrecision.toFloat16(x) & 0xffff;
  }
}
