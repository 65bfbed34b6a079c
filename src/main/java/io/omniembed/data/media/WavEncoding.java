package io.omniembed.data.media;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * The WAV encodings that decode, by format tag (the registered tags of Microsoft's {@code
 * mmreg.h}), each turning a data chunk into mono samples in [-1, 1]: channels are averaged, and
 * 16-bit values scale by 1/32768 whether they were stored (PCM) or decoded (the compressed
 * encodings), so one signal decodes to the same floats in either form.
 */
enum WavEncoding {
  PCM(0x0001, "PCM") {
    @Override
    float[] mono(byte[] b, int start, int length, WavFile.Fmt fmt) throws MediaException {
      int bits = fmt.bits();
      if (bits != 8 && bits != 16 && bits != 24 && bits != 32) {
        throw unsupported(fmt);
      }
      return linear(b, start, length, fmt.channels(), bits / 8, false);
    }
  },
  IEEE_FLOAT(0x0003, "IEEE float") {
    @Override
    float[] mono(byte[] b, int start, int length, WavFile.Fmt fmt) throws MediaException {
      if (fmt.bits() != 32) {
        throw unsupported(fmt);
      }
      return linear(b, start, length, fmt.channels(), 4, true);
    }
  },
  ALAW(0x0006, "A-law") {
    @Override
    float[] mono(byte[] b, int start, int length, WavFile.Fmt fmt) throws MediaException {
      return g711(G711.ALAW, label, b, start, length, fmt);
    }
  },
  MULAW(0x0007, "μ-law") {
    @Override
    float[] mono(byte[] b, int start, int length, WavFile.Fmt fmt) throws MediaException {
      return g711(G711.MULAW, label, b, start, length, fmt);
    }
  },
  IMA_ADPCM(0x0011, "IMA ADPCM") {
    @Override
    float[] mono(byte[] b, int start, int length, WavFile.Fmt fmt) throws MediaException {
      if (fmt.bits() != 4) {
        throw unsupported(fmt);
      }
      return mix(ImaAdpcm.decode(b, start, length, fmt.channels(), fmt.blockAlign(),
          fmt.samplesPerBlock()), fmt);
    }
  },
  GSM_610(0x0031, "GSM 6.10") {
    @Override
    float[] mono(byte[] b, int start, int length, WavFile.Fmt fmt) throws MediaException {
      if (fmt.channels() != 1) {
        throw new MediaException("unsupported WAV encoding (format 0x31 GSM 6.10 with "
            + fmt.channels() + " channels; GSM 6.10 is mono)");
      }
      if (fmt.blockAlign() != Gsm610.BLOCK_BYTES) {
        throw new MediaException("invalid GSM 6.10 WAV: block align " + fmt.blockAlign()
            + " (a block is two frames packed in " + Gsm610.BLOCK_BYTES + " bytes)");
      }
      if (fmt.samplesPerBlock() != 0 && fmt.samplesPerBlock() != Gsm610.SAMPLES_PER_BLOCK) {
        throw new MediaException("invalid GSM 6.10 WAV: " + fmt.samplesPerBlock() + " samples"
            + " per block declared (a block holds " + Gsm610.SAMPLES_PER_BLOCK + ")");
      }
      return mix(Gsm610.decodeWav49(b, start, length), fmt);
    }
  };

  /** What decodes, for the message that refuses the rest. */
  static final String DECODES = "PCM 8/16/24/32-bit, 32-bit float, 8-bit A-law or μ-law,"
      + " 4-bit IMA ADPCM or GSM 6.10";

  /** Names of registered tags that do not decode, so that a refusal says what the file is. */
  private static final Map<Integer, String> OTHER_NAMES = Map.ofEntries(
      Map.entry(0x0002, "Microsoft ADPCM"),
      Map.entry(0x0010, "OKI ADPCM"),
      Map.entry(0x0022, "DSP Group TrueSpeech"),
      Map.entry(0x0040, "G.721 ADPCM"),
      Map.entry(0x0050, "MPEG Layer 1/2"),
      Map.entry(0x0055, "MPEG Layer 3"),
      Map.entry(0x00FF, "AAC"),
      Map.entry(0x0160, "Windows Media Audio 1"),
      Map.entry(0x0161, "Windows Media Audio 2"),
      Map.entry(0x0162, "Windows Media Audio Professional"),
      Map.entry(0x0163, "Windows Media Audio Lossless"),
      Map.entry(0x1610, "MPEG-4 HE-AAC"),
      Map.entry(0x2000, "AC-3"),
      Map.entry(0xF1AC, "FLAC"));

  final int tag;
  /** The encoding's name in messages. */
  final String label;

  WavEncoding(int tag, String label) {
    this.tag = tag;
    this.label = label;
  }

  /** The data chunk's {@code length} bytes from {@code start}, decoded and mixed to mono. */
  abstract float[] mono(byte[] b, int start, int length, WavFile.Fmt fmt) throws MediaException;

  /** The encoding of a format tag, or null when it does not decode. */
  static WavEncoding of(int tag) {
    for (WavEncoding e : values()) {
      if (e.tag == tag) {
        return e;
      }
    }
    return null;
  }

  /** "0x55 MPEG Layer 3": a tag in hex and its name where it is a registered one. */
  static String describe(int tag) {
    WavEncoding e = of(tag);
    String name = e != null ? e.label : OTHER_NAMES.get(tag);
    return String.format("0x%02X", tag) + (name == null ? "" : " " + name);
  }

  static MediaException unsupported(WavFile.Fmt fmt) {
    return new MediaException("unsupported WAV encoding (format " + describe(fmt.tag()) + ", "
        + fmt.bits() + " bits; expected " + DECODES + ")");
  }

  private static float[] g711(G711 law, String label, byte[] b, int start, int length,
      WavFile.Fmt fmt) throws MediaException {
    if (fmt.bits() != 8) {
      throw unsupported(fmt);
    }
    if (fmt.blockAlign() != fmt.channels()) {
      throw new MediaException("invalid " + label + " WAV: block align " + fmt.blockAlign()
          + " for " + fmt.channels() + " channel(s) of one byte (expected " + fmt.channels()
          + ")");
    }
    int frames = length / fmt.channels();
    return mix(law.expand(b, start, frames * fmt.channels()), fmt);
  }

  /**
   * Interleaved 16-bit frames to mono; the fact chunk's frame count, where it is positive and no
   * more than what decoded, drops the padding of the last block.
   */
  private static float[] mix(short[] interleaved, WavFile.Fmt fmt) throws MediaException {
    int channels = fmt.channels();
    long frames = interleaved.length / channels;
    if (fmt.factFrames() > 0 && fmt.factFrames() < frames) {
      frames = fmt.factFrames();
    }
    if (frames == 0) {
      throw new MediaException("audio has no samples");
    }
    float[] out = new float[(int) frames];
    for (int f = 0; f < frames; f++) {
      double sum = 0;
      for (int c = 0; c < channels; c++) {
        sum += interleaved[f * channels + c] / 32768.0;
      }
      out[f] = (float) (sum / channels);
    }
    return out;
  }

  /** Stored samples of {@code bytes} bytes each, little-endian, to mono. */
  private static float[] linear(byte[] b, int start, int length, int channels, int bytes,
      boolean ieee) throws MediaException {
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int frames = length / (bytes * channels);
    if (frames == 0) {
      throw new MediaException("audio has no samples");
    }
    float[] out = new float[frames];
    for (int f = 0; f < frames; f++) {
      double sum = 0;
      for (int c = 0; c < channels; c++) {
        int at = start + (f * channels + c) * bytes;
        sum += switch (bytes) {
          case 1 -> ((buf.get(at) & 0xff) - 128) / 128.0;
          case 2 -> buf.getShort(at) / 32768.0;
          case 3 -> (((buf.get(at + 2)) << 16) | ((buf.get(at + 1) & 0xff) << 8)
              | (buf.get(at) & 0xff)) / 8388608.0;
          default -> ieee ? buf.getFloat(at) : buf.getInt(at) / 2147483648.0;
        };
      }
      out[f] = (float) (sum / channels);
    }
    return out;
  }
}
