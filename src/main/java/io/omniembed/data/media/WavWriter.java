package io.omniembed.data.media;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes mono 16-bit PCM as a RIFF/WAVE file (the layout {@link AudioPatches#decodeWav} reads). */
public final class WavWriter {

  private WavWriter() {}

  /** {@code samples} at {@code rate} Hz as a 44-byte-header WAV file. */
  public static byte[] mono16(short[] samples, int rate) {
    int n = samples.length;
    ByteBuffer b = ByteBuffer.allocate(44 + 2 * n).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + 2 * n).put("WAVE".getBytes());
    b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate)
        .putInt(2 * rate).putShort((short) 2).putShort((short) 16);
    b.put("data".getBytes()).putInt(2 * n);
    for (short s : samples) {
      b.putShort(s);
    }
    return b.array();
  }
}
