package io.omniembed.data.media;

/**
 * 4-bit IMA ADPCM in the block layout of WAV format 0x11, to 16-bit samples.
 *
 * <p>The nibble decoder is that of the IMA Digital Audio Focus and Technical Working Groups,
 * "Recommended Practices for Enhancing Digital Audio Compatibility in Multimedia Systems",
 * revision 3.00 (1992), section 6 (the 89-entry step table and the index adjustment table). The
 * block layout is Microsoft's "Multimedia Standards Update" (revision 3.0, 1994), IMA ADPCM wave
 * type: each block of {@code blockAlign} bytes starts with one 4-byte header per channel (the
 * first sample as a little-endian int16, the step index, a reserved byte), followed by 4-byte
 * words taken in turn from each channel, each word 8 samples, low nibble first. So a block holds
 * {@code 1 + 8 × (blockAlign − 4·channels) / (4·channels)} samples per channel.
 *
 * <p>A last block shorter than {@code blockAlign} decodes the samples of its headers and of the
 * 4-byte words present for every channel, as sox does; bytes beyond those carry no sample.
 */
final class ImaAdpcm {

  private static final int[] STEP = {
    7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 21, 23, 25, 28, 31, 34, 37, 41, 45, 50, 55, 60, 66,
    73, 80, 88, 97, 107, 118, 130, 143, 157, 173, 190, 209, 230, 253, 279, 307, 337, 371, 408,
    449, 494, 544, 598, 658, 724, 796, 876, 963, 1060, 1166, 1282, 1411, 1552, 1707, 1878, 2066,
    2272, 2499, 2749, 3024, 3327, 3660, 4026, 4428, 4871, 5358, 5894, 6484, 7132, 7845, 8630,
    9493, 10442, 11487, 12635, 13899, 15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794,
    32767};

  /** Step-index change by the nibble's magnitude bits (the sign bit does not matter). */
  private static final int[] INDEX_CHANGE = {-1, -1, -1, -1, 2, 4, 6, 8};

  private ImaAdpcm() {}

  /**
   * Samples per channel in a block of {@code blockAlign} bytes; refuses a block size that is not
   * the channels' headers plus whole 4-byte words per channel.
   */
  static int samplesPerBlock(int blockAlign, int channels) throws MediaException {
    int header = 4 * channels;
    if (blockAlign <= header || (blockAlign - header) % header != 0) {
      throw new MediaException("invalid IMA ADPCM WAV: block align " + blockAlign + " does not"
          + " fit " + channels + " channel(s) (a 4-byte header and whole 4-byte words per"
          + " channel, a multiple of " + header + " bytes above " + header + ")");
    }
    return 1 + 8 * (blockAlign - header) / header;
  }

  /**
   * Decodes {@code length} bytes from {@code start}: {@code [frames × channels]} interleaved
   * samples. {@code declaredPerBlock} is the fmt extension's samples per block (0 when absent):
   * at most what the block holds, fewer if the writer used only part of each block.
   */
  static short[] decode(byte[] data, int start, int length, int channels, int blockAlign,
      int declaredPerBlock) throws MediaException {
    int perBlock = samplesPerBlock(blockAlign, channels);
    if (declaredPerBlock > perBlock) {
      throw new MediaException("invalid IMA ADPCM WAV: " + declaredPerBlock + " samples per"
          + " block declared, a block of " + blockAlign + " bytes for " + channels
          + " channel(s) holds " + perBlock);
    }
    if (declaredPerBlock > 0) {
      perBlock = declaredPerBlock;
    }
    int header = 4 * channels;
    int fullBlocks = length / blockAlign;
    int tail = length % blockAlign;
    int tailFrames = tail < header ? 0 : Math.min(perBlock, 1 + 8 * ((tail - header) / header));
    int frames = fullBlocks * perBlock + tailFrames;
    short[] out = new short[frames * channels];
    for (int block = 0; block <= fullBlocks; block++) {
      int n = block < fullBlocks ? perBlock : tailFrames;
      if (n > 0) {
        decodeBlock(data, start + block * blockAlign, block, channels, n, out,
            block * perBlock * channels);
      }
    }
    return out;
  }

  /** One block's {@code n} frames into {@code out} from {@code at}, channels interleaved. */
  private static void decodeBlock(byte[] data, int from, int block, int channels, int n,
      short[] out, int at) throws MediaException {
    for (int c = 0; c < channels; c++) {
      int h = from + 4 * c;
      int sample = (short) ((data[h] & 0xff) | (data[h + 1] << 8));
      int index = data[h + 2] & 0xff;
      if (index >= STEP.length) {
        throw new MediaException("invalid IMA ADPCM WAV: block " + block + ", channel " + c
            + " starts at step index " + index + " (at most " + (STEP.length - 1) + ")");
      }
      out[at + c] = (short) sample;
      // sample s ≥ 1 of this channel: word (s−1)/8 of the channel's words, nibble (s−1)%8
      for (int s = 1; s < n; s++) {
        int word = (s - 1) / 8;
        int nibbleInWord = (s - 1) % 8;
        int b = data[from + 4 * channels + (word * channels + c) * 4 + nibbleInWord / 2] & 0xff;
        int nibble = (nibbleInWord & 1) == 0 ? b & 0x0f : b >> 4;
        int step = STEP[index];
        int diff = step >> 3;   // (magnitude + ½) × step / 4, in the shifts the practice gives
        if ((nibble & 4) != 0) {
          diff += step;
        }
        if ((nibble & 2) != 0) {
          diff += step >> 1;
        }
        if ((nibble & 1) != 0) {
          diff += step >> 2;
        }
        sample = (nibble & 8) != 0 ? Math.max(-32768, sample - diff)
            : Math.min(32767, sample + diff);
        index = Math.min(STEP.length - 1, Math.max(0, index + INDEX_CHANGE[nibble & 7]));
        out[at + s * channels + c] = (short) sample;
      }
    }
  }
}
