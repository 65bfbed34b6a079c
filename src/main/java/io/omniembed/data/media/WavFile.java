package io.omniembed.data.media;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * RIFF/WAVE files to mono samples. The container is that of IBM and Microsoft's "Multimedia
 * Programming Interface and Data Specifications 1.0" (1991): chunks of a 4-byte id, a
 * little-endian size and a body padded to even length; the {@code fmt } chunk (WAVEFORMATEX:
 * tag, channels, rate, bytes per second, block align, bits, then {@code cbSize} bytes of
 * extension), an optional {@code fact} chunk (frames per channel, which compressed encodings
 * need to drop their last block's padding) and the {@code data} chunk. A tag of 0xFFFE
 * (WAVE_FORMAT_EXTENSIBLE, Microsoft's "Multiple Channel Audio Data and WAVE Files", 2001) puts
 * the real tag in the first two bytes of a sub-format GUID whose other 14 bytes are fixed.
 * {@link WavEncoding} decodes the data of each tag.
 */
final class WavFile {

  /**
   * The fmt chunk's fields, with {@code tag} the effective format (the sub-format's for
   * WAVE_FORMAT_EXTENSIBLE); {@code samplesPerBlock} is the extension's first field where the
   * encoding is block-based and the file has one, else 0; {@code factFrames} is the fact
   * chunk's count where one came before the data, else 0.
   */
  record Fmt(int tag, int channels, int rate, int blockAlign, int bits, int samplesPerBlock,
      long factFrames) {
    Fmt withFact(long frames) {
      return new Fmt(tag, channels, rate, blockAlign, bits, samplesPerBlock, frames);
    }
  }

  static final int EXTENSIBLE = 0xFFFE;

  /** Bytes 2..15 of a registered tag's sub-format GUID, {0000XXXX-0000-0010-8000-00AA00389B71}. */
  private static final byte[] GUID_TAIL = {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA,
      0, 0x38, (byte) 0x9B, 0x71};

  private WavFile() {}

  /** Parses a RIFF/WAVE file; names what is wrong with a file that is not one or is cut. */
  static AudioPatches.Pcm decode(byte[] b) throws MediaException {
    if (b == null || b.length == 0) {
      throw new MediaException("empty audio file");
    }
    if (b.length < 12 || !ascii(b, 0, "RIFF") || !ascii(b, 8, "WAVE")) {
      throw new MediaException("unsupported audio format (expected a RIFF/WAVE file)");
    }
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int pos = 12;
    Fmt fmt = null;
    while (pos + 8 <= b.length) {
      String id = new String(b, pos, 4, StandardCharsets.US_ASCII);
      long size = buf.getInt(pos + 4) & 0xffffffffL;
      int body = pos + 8;
      if (id.equals("fmt ")) {
        fmt = fmt(buf, body, size);
      } else if (id.equals("fact") && fmt != null && size >= 4 && body + 4 <= b.length) {
        fmt = fmt.withFact(buf.getInt(body) & 0xffffffffL);
      } else if (id.equals("data")) {
        if (fmt == null) {
          throw new MediaException("invalid WAV: data chunk before the fmt chunk");
        }
        if (body + size > b.length) {
          throw new MediaException("truncated WAV: data chunk declares " + size + " bytes, "
              + (b.length - body) + " present");
        }
        if (fmt.channels() <= 0) {
          throw new MediaException("invalid WAV: " + fmt.channels() + " channels");
        }
        WavEncoding encoding = WavEncoding.of(fmt.tag());
        if (encoding == null) {
          throw WavEncoding.unsupported(fmt);
        }
        return new AudioPatches.Pcm(encoding.mono(b, body, (int) size, fmt), fmt.rate());
      }
      pos = (int) Math.min(Integer.MAX_VALUE, body + size + (size & 1));
    }
    throw new MediaException(fmt == null ? "invalid WAV: no fmt chunk" : "invalid WAV: no data"
        + " chunk");
  }

  private static Fmt fmt(ByteBuffer buf, int body, long size) throws MediaException {
    int present = (int) Math.min(size, buf.limit() - body);
    if (size < 16 || present < 16) {
      throw new MediaException("truncated WAV: fmt chunk cut short");
    }
    int tag = buf.getShort(body) & 0xffff;
    int extension = present >= 18 ? Math.min(buf.getShort(body + 16) & 0xffff, present - 18) : 0;
    if (tag == EXTENSIBLE) {
      if (extension < 22) {
        throw new MediaException("invalid WAV: WAVE_FORMAT_EXTENSIBLE with a fmt extension of "
            + extension + " bytes (expected 22, ending in the sub-format GUID)");
      }
      int guid = body + 24;
      for (int i = 0; i < GUID_TAIL.length; i++) {
        if (buf.get(guid + 2 + i) != GUID_TAIL[i]) {
          throw new MediaException("unsupported WAV encoding (WAVE_FORMAT_EXTENSIBLE with"
              + " sub-format " + guid(buf, guid) + "; expected " + WavEncoding.DECODES + ")");
        }
      }
      tag = buf.getShort(guid) & 0xffff;
    }
    // the extension's first field: samples per block for block-based encodings (the
    // EXTENSIBLE Samples union is wValidBitsPerSample for PCM and float, not read here)
    boolean blocks = tag != WavEncoding.PCM.tag && tag != WavEncoding.IEEE_FLOAT.tag;
    int samplesPerBlock = blocks && extension >= 2 ? buf.getShort(body + 18) & 0xffff : 0;
    return new Fmt(tag, buf.getShort(body + 2) & 0xffff, buf.getInt(body + 4),
        buf.getShort(body + 12) & 0xffff, buf.getShort(body + 14) & 0xffff, samplesPerBlock, 0);
  }

  /** A GUID in its registry form, {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}. */
  private static String guid(ByteBuffer buf, int at) {
    StringBuilder sb = new StringBuilder(String.format("{%08X-%04X-%04X-", buf.getInt(at),
        buf.getShort(at + 4) & 0xffff, buf.getShort(at + 6) & 0xffff));
    for (int i = 8; i < 16; i++) {
      sb.append(String.format(i == 10 ? "-%02X" : "%02X", buf.get(at + i) & 0xff));
    }
    return sb.append('}').toString();
  }

  private static boolean ascii(byte[] b, int at, String s) {
    for (int i = 0; i < s.length(); i++) {
      if (b[at + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
