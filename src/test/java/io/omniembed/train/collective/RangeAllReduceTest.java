package io.omniembed.train.collective;

import static io.omniembed.train.collective.CollectiveTest.onEach;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The range all-reduce of gradient buckets: ranges reduced one by one (in any order) give the
 * bits of the whole-buffer all-reduce, in-process and over TCP, for W = 2, 3, 4; bfloat16
 * transfers stay within their stated bound and send half the bytes.
 */
class RangeAllReduceTest {

  /** Values over 20 binary orders of magnitude, so that the order of a sum shows in its bits. */
  static float[] values(int rank, int n) {
    SplittableRandom r = new SplittableRandom(31L * rank + n);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((r.nextDouble() * 2 - 1) * Math.scalb(1.0, r.nextInt(-10, 10)));
    }
    return v;
  }

  /**
   * Cuts of [0, n): small and large ranges, inside one chunk of the whole buffer and across
   * chunk bounds, returned last range first (the order a backward pass finishes them).
   */
  static List<int[]> ranges(int n) {
    List<int[]> out = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(n);
    int from = 0;
    while (from < n) {
      int len = switch (r.nextInt(3)) {
        case 0 -> 1 + r.nextInt(5);
        case 1 -> 100 + r.nextInt(3000);
        default -> 5000 + r.nextInt(60_000);
      };
      int to = Math.min(n, from + len);
      out.add(0, new int[] {from, to});
      from = to;
    }
    return out;
  }

  static List<float[]> reduce(List<Collective> ring, int n, boolean byRange, WireFormat wire)
      throws Exception {
    return onEach(ring, c -> {
      float[] v = values(c.rank(), n);
      FloatBuffer data = FloatBuffer.wrap(v);
      if (byRange) {
        for (int[] range : ranges(n)) {
          c.allReduceSum(data, range[0], range[1], wire);
        }
      } else {
        c.allReduceSum(data);
      }
      assertEquals(0, data.position());
      assertEquals(n, data.limit());
      return v;
    });
  }

  static void checkExact(List<Collective> ring, int n) throws Exception {
    float[] whole = reduce(ring, n, false, WireFormat.FP32).get(0);
    List<float[]> got = reduce(ring, n, true, WireFormat.FP32);
    for (float[] worker : got) {
      assertArrayEquals(whole, worker, 0f, "W=" + ring.size() + " n=" + n);
    }
  }

  @Test
  void rangesGiveTheBitsOfTheWholeBufferInProcess() throws Exception {
    for (int w = 2; w <= 4; w++) {
      for (int n : new int[] {7, 50_003, 200_003}) {
        List<Collective> ring = InProcessCollective.ring(w);
        checkExact(ring, n);
        for (Collective c : ring) {
          c.close();
        }
      }
    }
  }

  @Test
  void rangesGiveTheBitsOfTheWholeBufferOverTcp() throws Exception {
    for (int w = 2; w <= 3; w++) {
      List<Collective> ring = CollectiveTest.tcpRing(w, 40 + w);
      checkExact(ring, 120_001);
      for (Collective c : ring) {
        c.close();
      }
    }
  }

  /**
   * Why the ranges must keep the whole buffer's chunks: at W = 3 the sum's bits depend on its
   * order for these values, so a range cut into chunks of its own would differ from the whole.
   */
  @Test
  void atThreeWorkersTheOrderOfTheSumShows() {
    int n = 50_003;
    float[][] x = {values(0, n), values(1, n), values(2, n)};
    int differ = 0;
    for (int i = 0; i < n; i++) {
      if ((x[0][i] + x[1][i]) + x[2][i] != (x[1][i] + x[2][i]) + x[0][i]) {
        differ++;
      }
    }
    assertTrue(differ > n / 10, differ + " of " + n);
  }

  @Test
  void bf16StaysWithinItsBoundAndHalvesTheBytes() throws Exception {
    int n = 50_003;
    for (int w = 2; w <= 4; w++) {
      List<Collective> ring = InProcessCollective.ring(w);
      List<float[]> got = reduce(ring, n, true, WireFormat.BF16);
      long bf16Bytes = ring.get(0).stats().allReduceBytes();
      reduce(ring, n, true, WireFormat.FP32);
      long fp32Bytes = ring.get(0).stats().allReduceBytes() - bf16Bytes;
      assertEquals(fp32Bytes, 2 * bf16Bytes);
      for (Collective c : ring) {
        c.close();
      }
      for (float[] worker : got) {
        assertArrayEquals(got.get(0), worker, 0f, "every worker holds the same bits");
      }
      double bound = w * WireFormat.BF16_UNIT_ROUNDOFF + w * 0x1p-24;
      float[][] x = new float[w][];
      for (int r = 0; r < w; r++) {
        x[r] = values(r, n);
      }
      int rounded = 0;
      for (int i = 0; i < n; i++) {
        double exact = 0;
        double abs = 0;
        for (int r = 0; r < w; r++) {
          float v = x[r][i];
          exact += v;
          abs += Math.abs(v);
        }
        double err = Math.abs(got.get(0)[i] - exact);
        assertTrue(err <= bound * abs * 1.001, "W=" + w + " element " + i + ": error " + err
            + " > " + bound + " · " + abs);
        if (err > 0x1p-20 * abs) {
          rounded++;
        }
      }
      assertTrue(rounded > n / 2, "bfloat16 rounding shows in " + rounded + " of " + n);
    }
  }

  @Test
  void bf16RoundsToNearestEven() {
    assertEquals(1.0f, WireFormat.roundToBf16(1.0f + 0x1p-8f));            // tie: to even
    assertEquals(1.0f + 0x1p-6f, WireFormat.roundToBf16(1.0f + 0x1.8p-7f)); // tie: to even (up)
    assertEquals(1.0f + 0x1p-7f, WireFormat.roundToBf16(1.0f + 0x1.2p-7f));
    assertTrue(Float.isNaN(WireFormat.roundToBf16(Float.NaN)));
    assertEquals(Float.NEGATIVE_INFINITY, WireFormat.roundToBf16(Float.NEGATIVE_INFINITY));
  }
}
