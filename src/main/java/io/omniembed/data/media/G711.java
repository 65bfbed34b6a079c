package io.omniembed.data.media;

/**
 * G.711 expansion: 8-bit A-law and μ-law code words to 16-bit linear samples, per ITU-T
 * Recommendation G.711 (11/1988), "Pulse code modulation (PCM) of voice frequencies", Tables 1
 * and 2 (the decoder output values), scaled to 16 bits as the reference expander of ITU-T G.191
 * (Software Tool Library, {@code g711.c}) does: A-law's 13-bit values shifted left by 3, μ-law's
 * 14-bit values left by 2. A-law spans ±32256, μ-law ±32124.
 */
enum G711 {
  ALAW {
    @Override
    short expand(int code) {
      int a = (code ^ 0x55) & 0xff;          // G.711 inverts the even bits on the line
      int segment = (a >> 4) & 7;
      int step = (a & 0x0f) << 4;            // the quantisation interval within the segment
      // segment 0 and 1 share the step 2 (in 13-bit units); the value is the interval's middle
      int magnitude = segment == 0 ? step + 8 : (step + 0x108) << (segment - 1);
      return (short) ((a & 0x80) != 0 ? magnitude : -magnitude);
    }
  },
  MULAW {
    @Override
    short expand(int code) {
      int u = ~code & 0xff;                  // μ-law sends every bit inverted
      int segment = (u >> 4) & 7;
      // the biased magnitude (value + 33, in 14-bit units) doubles from segment to segment
      int biased = (((u & 0x0f) << 3) + BIAS) << segment;
      return (short) ((u & 0x80) != 0 ? BIAS - biased : biased - BIAS);
    }
  };

  /** μ-law's bias, 33 in 14-bit units, scaled by 4. */
  private static final int BIAS = 0x84;

  /** The 16-bit linear value of one 8-bit code word. */
  abstract short expand(int code);

  /** Expands {@code length} code words from {@code start}, one sample each. */
  short[] expand(byte[] data, int start, int length) {
    short[] table = new short[256];
    for (int c = 0; c < 256; c++) {
      table[c] = expand(c);
    }
    short[] out = new short[length];
    for (int i = 0; i < length; i++) {
      out[i] = table[data[start + i] & 0xff];
    }
    return out;
  }
}
