package io.omniembed.data.media;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.UnsupportedAudioFileException;
import javax.sound.sampled.spi.AudioFileReader;
import javax.sound.sampled.spi.FormatConversionProvider;

/**
 * Decodes FLAC (jflac), Ogg Vorbis (JOrbis, {@link OggVorbis}) and MP3 (JLayer through mp3spi)
 * to mono PCM. The Java Sound providers are called directly, not looked up through
 * {@code AudioSystem}, so the result does not depend on the class loader a Spark task runs in.
 */
public final class CompressedAudio {

  /** Audio formats told apart by their first bytes. */
  public enum Format { WAV, FLAC, OGG, MP3 }

  private CompressedAudio() {}

  /** The format of {@code b}, or null when it is none of them. */
  public static Format detect(byte[] b) {
    if (b.length >= 12 && ascii(b, 0, "RIFF") && ascii(b, 8, "WAVE")) {
      return Format.WAV;
    }
    if (b.length >= 4 && ascii(b, 0, "fLaC")) {
      return Format.FLAC;
    }
    if (b.length >= 4 && ascii(b, 0, "OggS")) {
      return Format.OGG;
    }
    if ((b.length >= 3 && ascii(b, 0, "ID3"))
        || (b.length >= 2 && (b[0] & 0xff) == 0xff && (b[1] & 0xe0) == 0xe0)) {
      return Format.MP3;
    }
    return null;
  }

  /** Decodes a FLAC, Ogg Vorbis or MP3 file; names what is wrong with one that cannot be. */
  public static AudioPatches.Pcm decode(byte[] b, Format format) throws MediaException {
    AudioFileReader reader;
    FormatConversionProvider converter;
    switch (format) {
      case FLAC:
        reader = new org.jflac.sound.spi.FlacAudioFileReader();
        converter = new org.jflac.sound.spi.FlacFormatConversionProvider();
        break;
      case OGG:
        // vorbisspi's converter yields no samples on files sox writes; JOrbis directly does
        return OggVorbis.decode(b);
      case MP3:
        reader = new javazoom.spi.mpeg.sampled.file.MpegAudioFileReader();
        converter = new javazoom.spi.mpeg.sampled.convert.MpegFormatConversionProvider();
        break;
      default:
        throw new IllegalArgumentException("not a compressed format: " + format);
    }
    String name = format.name();
    try (AudioInputStream encoded = reader.getAudioInputStream(new ByteArrayInputStream(b))) {
      AudioFormat source = encoded.getFormat();
      int channels = Math.max(1, source.getChannels());
      float rate = source.getSampleRate();
      if (!(rate > 0)) {
        throw new MediaException(name + " file without a sample rate");
      }
      // FLAC converts only at its own bit depth; the lossy decoders give 16 bits
      int bits = source.getSampleSizeInBits() > 0 ? source.getSampleSizeInBits() : 16;
      if (bits != 8 && bits != 16 && bits != 24 && bits != 32) {
        throw new MediaException(name + " file of " + bits + "-bit samples is not supported");
      }
      int width = bits / 8;
      AudioFormat pcm = new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, rate, bits, channels,
          width * channels, rate, false);
      byte[] raw;
      try (AudioInputStream decoded = converter.getAudioInputStream(pcm, encoded)) {
        raw = readAll(decoded);
      }
      int frames = raw.length / (width * channels);
      if (frames == 0) {
        throw new MediaException(name + " file with no samples");
      }
      float scale = (float) Math.pow(2, bits - 1);
      float[] mono = new float[frames];
      for (int i = 0; i < frames; i++) {
        float sum = 0;
        for (int c = 0; c < channels; c++) {
          sum += sample(raw, (i * channels + c) * width, width) / scale;
        }
        mono[i] = sum / channels;
      }
      return new AudioPatches.Pcm(mono, Math.round(rate));
    } catch (UnsupportedAudioFileException e) {
      throw new MediaException("not a readable " + name + " file", e);
    } catch (IOException | RuntimeException e) {
      throw new MediaException("corrupt or truncated " + name + " file (" + e.getClass()
          .getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
    }
  }

  /** A signed little-endian sample of {@code width} bytes at {@code at}. */
  private static int sample(byte[] b, int at, int width) {
    int v = 0;
    for (int k = width - 1; k >= 0; k--) {
      v = (v << 8) | (b[at + k] & 0xff);
    }
    int shift = 32 - 8 * width;
    return (v << shift) >> shift;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    int n;
    int idle = 0;   // decoders may return 0 bytes before the next frame; -1 is the end
    while ((n = in.read(buf)) != -1 && idle < 1000) {
      out.write(buf, 0, n);
      idle = n == 0 ? idle + 1 : 0;
    }
    return out.toByteArray();
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
