package io.omniembed.data.media;

/**
 * GSM 06.10 full-rate speech (RPE-LTP, 13 kbit/s) to 16-bit samples at 8 kHz, in the WAV49
 * layout of WAV format 0x31.
 *
 * <p>The decoder is the fixed-point RPE-LTP decoder of ETSI GSM 06.10 (later EN 300 961), "Full
 * rate speech; Transcoding", whose clause 4 gives it in full (section numbers below are that
 * clause's, as libgsm cites them): 16-bit saturating {@code add}/{@code sub} and rounding {@code mult_r} (4.1), per
 * 20 ms frame of 160 samples 8 log-area ratios LARc and, per 5 ms sub-frame of 40 samples, the
 * long-term lag {@code Nc} and gain {@code bc}, the RPE grid position {@code Mc}, the block
 * maximum {@code xmaxc} and 13 pulses {@code xMc}. Per sub-frame: RPE decoding (4.2.15 to
 * 4.2.17: APCM inverse quantisation, grid positioning) and long-term synthesis (4.3.2); per
 * frame: LAR decoding and interpolation to reflection coefficients (4.2.8, 4.2.9), the
 * short-term synthesis lattice (4.3.4) and postprocessing (4.3.5, 4.3.6: de-emphasis,
 * truncation, upscaling). Constants are tables 4.1 (LAR decoding), 4.3b (QLB) and 4.6 (FAC).
 * The arithmetic is the standard's 16-bit fixed point throughout, so a conforming decoder's
 * output is defined to the bit; the tests compare it sample for sample with libgsm (Technische
 * Universität Berlin, the codec sox uses). The ETSI test sequences have not been run.
 *
 * <p>WAV49 (Microsoft's GSM 6.10 wave type) packs two 260-bit frames into one 65-byte block,
 * each parameter's bits least significant first, in the standard's parameter order, the second
 * frame starting at bit 260: 320 samples per block. A data chunk that is not whole blocks (but for
 * a counted pad byte) is refused.
 */
final class Gsm610 {

  static final int BLOCK_BYTES = 65;
  static final int SAMPLES_PER_BLOCK = 320;

  private static final int MAX = 32767;
  private static final int MIN = -32768;

  /** Bits of LARc[1..8]. */
  private static final int[] LAR_BITS = {6, 6, 5, 5, 4, 4, 3, 3};
  /** LAR decoding (table 4.1, 4.2.8): offset B, smallest code MIC, INVA = 2^18 / A. */
  private static final int[] LAR_B = {0, 0, 2048, -2560, 94, -1792, -341, -1144};
  private static final int[] LAR_MIC = {-32, -32, -16, -16, -8, -8, -4, -4};
  private static final int[] LAR_INVA = {13107, 13107, 13107, 13107, 19223, 17476, 31454, 29708};
  /** Normalised direct mantissa of the decoded xmaxc (table 4.6, FAC). */
  private static final int[] FAC = {18431, 20479, 22527, 24575, 26623, 28671, 30719, 32767};
  /** Decoded long-term gains (table 4.3b, QLB). */
  private static final int[] QLB = {3277, 11469, 21299, 32767};

  // Decoder state, carried from frame to frame (all zero at the start, but nrp)
  /** The decoded LARs of this frame and of the previous one (LARpp, for interpolation). */
  private int[] larpp = new int[8];
  private int[] larppPrevious = new int[8];
  /** Reconstructed short-term residual: 120 past samples, then the current sub-frame's 40. */
  private final int[] drp = new int[160];
  /** The lattice filter's state v[0..8]. */
  private final int[] v = new int[9];
  /** The last valid long-term lag (nrp). */
  private int nrp = 40;
  /** De-emphasis filter memory (msr). */
  private int msr;

  /** Decodes a WAV49 data chunk: {@code length / 65} blocks of 320 samples each. */
  static short[] decodeWav49(byte[] data, int start, int length) throws MediaException {
    int over = length % BLOCK_BYTES;
    // an odd number of blocks is followed by RIFF's pad byte, which some writers (sox) count in
    // the data chunk's size: one byte over an odd count is that byte, not a cut block
    boolean padByte = over == 1 && (length / BLOCK_BYTES) % 2 == 1;
    if (over != 0 && !padByte) {
      throw new MediaException("truncated GSM 6.10 WAV: the data ends in a block of " + over
          + " of " + BLOCK_BYTES + " bytes");
    }
    Gsm610 decoder = new Gsm610();
    int blocks = length / BLOCK_BYTES;
    short[] out = new short[blocks * SAMPLES_PER_BLOCK];
    int[] frame = new int[160];
    for (int b = 0; b < blocks; b++) {
      Bits bits = new Bits(data, start + b * BLOCK_BYTES);
      for (int half = 0; half < 2; half++) {
        decoder.decodeFrame(bits, frame);
        for (int k = 0; k < 160; k++) {
          out[b * SAMPLES_PER_BLOCK + half * 160 + k] = (short) frame[k];
        }
      }
    }
    return out;
  }

  /** Reads unsigned fields least significant bit first. */
  private static final class Bits {
    private final byte[] data;
    private final int start;
    private int bit;

    Bits(byte[] data, int start) {
      this.data = data;
      this.start = start;
    }

    int read(int width) {
      int value = 0;
      for (int i = 0; i < width; i++, bit++) {
        value |= ((data[start + (bit >> 3)] >> (bit & 7)) & 1) << i;
      }
      return value;
    }
  }

  /** Unpacks one 260-bit frame and decodes its 160 samples into {@code s}. */
  private void decodeFrame(Bits bits, int[] s) {
    int[] larc = new int[8];
    for (int i = 0; i < 8; i++) {
      larc[i] = bits.read(LAR_BITS[i]);
    }
    int[] wt = new int[160];   // the reconstructed short-term residual of the whole frame
    int[] xmc = new int[13];
    int[] erp = new int[40];
    for (int j = 0; j < 4; j++) {
      int nc = bits.read(7);
      int bc = bits.read(2);
      int mc = bits.read(2);
      int xmaxc = bits.read(6);
      for (int i = 0; i < 13; i++) {
        xmc[i] = bits.read(3);
      }
      rpeDecoding(xmaxc, mc, xmc, erp);
      longTermSynthesis(nc, bc, erp);
      System.arraycopy(drp, 120, wt, j * 40, 40);
      System.arraycopy(drp, 40, drp, 0, 120);   // drp[−120..−1] ← drp[−80..39]
    }
    shortTermSynthesis(larc, wt, s);
    postprocessing(s);
  }

  /** 4.2.15 to 4.2.17: one sub-frame's 13 pulses, dequantised and put on grid {@code mc}. */
  private static void rpeDecoding(int xmaxc, int mc, int[] xmc, int[] erp) {
    // 4.2.15: exponent and mantissa of the decoded block maximum
    int exp = xmaxc > 15 ? (xmaxc >> 3) - 1 : 0;
    int mant = xmaxc - (exp << 3);
    if (mant == 0) {
      exp = -4;
      mant = 7;
    } else {
      while (mant <= 7) {
        mant = mant << 1 | 1;
        exp--;
      }
      mant -= 8;
    }
    // 4.2.16: APCM inverse quantisation
    int fac = FAC[mant];
    int shift = sub(6, exp);
    int round = asl(1, sub(shift, 1));
    java.util.Arrays.fill(erp, 0);
    for (int i = 0; i < 13; i++) {
      int pulse = ((xmc[i] << 1) - 7) << 12;   // 3-bit code to a signed 4-bit level, Q12
      erp[mc + 3 * i] = asr(add(multR(fac, pulse), round), shift);   // 4.2.17: grid position
    }
  }

  /** 4.3.2: adds the long-term prediction to the sub-frame's excitation, into drp[120..159]. */
  private void longTermSynthesis(int ncr, int bcr, int[] erp) {
    int nr = ncr < 40 || ncr > 120 ? nrp : ncr;   // an out-of-range lag repeats the last one
    nrp = nr;
    int brp = QLB[bcr];
    for (int k = 0; k < 40; k++) {
      drp[120 + k] = add(erp[k], multR(brp, drp[120 + k - nr]));
    }
  }

  /** 4.2.8, 4.2.9 and 4.3.4: LARs decoded, interpolated, then the synthesis lattice. */
  private void shortTermSynthesis(int[] larc, int[] wt, int[] s) {
    int[] swap = larppPrevious;
    larppPrevious = larpp;
    larpp = swap;
    for (int i = 0; i < 8; i++) {   // 4.2.8: decoding of the coded LARs
      int temp = add(larc[i], LAR_MIC[i]) << 10;
      temp = sub(temp, LAR_B[i] << 1);
      temp = multR(LAR_INVA[i], temp);
      larpp[i] = add(temp, temp);
    }
    // 4.2.9.1: the frame's first three sub-blocks interpolate from the previous frame's LARs
    int[] larp = new int[8];
    for (int i = 0; i < 8; i++) {   // samples 0..12: ¾ previous + ¼ current
      larp[i] = add(add(larppPrevious[i] >> 2, larpp[i] >> 2), larppPrevious[i] >> 1);
    }
    filter(larp, wt, s, 0, 13);
    for (int i = 0; i < 8; i++) {   // samples 13..26: ½ previous + ½ current
      larp[i] = add(larppPrevious[i] >> 1, larpp[i] >> 1);
    }
    filter(larp, wt, s, 13, 27);
    for (int i = 0; i < 8; i++) {   // samples 27..39: ¼ previous + ¾ current
      larp[i] = add(add(larppPrevious[i] >> 2, larpp[i] >> 2), larpp[i] >> 1);
    }
    filter(larp, wt, s, 27, 40);
    System.arraycopy(larpp, 0, larp, 0, 8);   // samples 40..159: the current LARs
    filter(larp, wt, s, 40, 160);
  }

  /**
   * 4.2.9.2 then 4.3.4: LARp to reflection coefficients rp, and the short-term synthesis lattice
   * over samples {@code from..to−1}.
   */
  private void filter(int[] larp, int[] wt, int[] s, int from, int to) {
    int[] rp = new int[8];
    for (int i = 0; i < 8; i++) {
      int magnitude = larp[i] == MIN ? MAX : Math.abs(larp[i]);
      int r = magnitude < 11059 ? magnitude << 1
          : magnitude < 20070 ? magnitude + 11059 : add(magnitude >> 2, 26112);
      rp[i] = larp[i] < 0 ? -r : r;
    }
    for (int k = from; k < to; k++) {
      int sri = wt[k];
      for (int i = 7; i >= 0; i--) {
        sri = sub(sri, multR(rp[i], v[i]));
        v[i + 1] = add(v[i], multR(rp[i], sri));
      }
      v[0] = sri;
      s[k] = sri;
    }
  }

  /** 4.3.5 and 4.3.6: de-emphasis, truncation to 13 bits and upscaling. */
  private void postprocessing(int[] s) {
    for (int k = 0; k < 160; k++) {
      msr = add(s[k], multR(msr, 28180));
      s[k] = (short) (add(msr, msr) & 0xFFF8);
    }
  }

  // The basic operations of 4.1 on 16-bit words

  private static int saturate(int x) {
    return Math.max(MIN, Math.min(MAX, x));
  }

  private static int add(int a, int b) {
    return saturate(a + b);
  }

  private static int sub(int a, int b) {
    return saturate(a - b);
  }

  /** a·b / 2^15 rounded; −1 · −1 saturates to 32767. */
  private static int multR(int a, int b) {
    return a == MIN && b == MIN ? MAX : (a * b + 16384) >> 15;
  }

  /** Arithmetic shift left by {@code n} (right for negative n), as gsm_asl. */
  private static int asl(int a, int n) {
    if (n >= 16) {
      return 0;
    }
    if (n <= -16) {
      return a < 0 ? -1 : 0;
    }
    return n < 0 ? asr(a, -n) : (short) (a << n);
  }

  /** Arithmetic shift right by {@code n} (left for negative n), as gsm_asr. */
  private static int asr(int a, int n) {
    if (n >= 16) {
      return a < 0 ? -1 : 0;
    }
    if (n <= -16) {
      return 0;
    }
    return n < 0 ? (short) (a << -n) : a >> n;
  }
}
