package io.omniembed.data.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Images, audio and video encoded by real encoders, decoded and cut into patches. */
class MediaPatchesTest {

  static final ImagePatches.Spec IMAGE = new ImagePatches.Spec(32, 8);

  static BufferedImage halves(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(0, 0, w / 2, h);
    g.setColor(Color.BLUE);
    g.fillRect(w / 2, 0, w - w / 2, h);
    g.dispose();
    return img;
  }

  static byte[] encode(BufferedImage img, String format) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, format, out), format);
    return out.toByteArray();
  }

  @Test
  void pngJpegGifAndBmpGiveTheSamePatchLayout() throws Exception {
    for (String format : new String[] {"png", "jpg", "gif", "bmp"}) {
      Patches p = ImagePatches.of(encode(halves(64, 64), format), IMAGE);
      assertEquals(16, p.count(), format);
      assertEquals(8 * 8 * 3, p.dim(), format);
      // top-left patch is red, top-right patch is blue (JPEG within its loss)
      float[] left = p.patch(0);
      float[] right = p.patch(3);
      assertEquals(1f, left[0], 0.1f, format);
      assertEquals(-1f, left[2], 0.1f, format);
      assertEquals(-1f, right[0], 0.1f, format);
      assertEquals(1f, right[2], 0.1f, format);
      for (float v : p.values()) {
        assertTrue(v >= -1f && v <= 1f, format);
      }
    }
  }

  @Test
  void aspectRatioIsKeptWithWhitePaddingAndAlphaOnWhite() throws Exception {
    Patches wide = ImagePatches.of(encode(halves(64, 16), "png"), IMAGE);
    // 64x16 fits as 32x8 centred: the top row of patches is white padding
    for (float v : wide.patch(0)) {
      assertEquals(1f, v, 1e-6f);
    }
    BufferedImage clear = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
    Patches transparent = ImagePatches.of(encode(clear, "png"), IMAGE);
    for (float v : transparent.values()) {
      assertEquals(1f, v, 1e-6f);
    }
  }

  @Test
  void badImagesAreRejectedWithTheirReason() throws Exception {
    byte[] png = encode(halves(64, 64), "png");
    byte[] jpg = encode(halves(64, 64), "jpg");
    assertReason("empty image file", new byte[0]);
    assertReason("unsupported image format (first bytes 3c3f786d6c", "<?xml version".getBytes());
    assertReason("corrupt or truncated PNG image", Arrays.copyOf(png, png.length / 2));
    assertReason("truncated JPEG image (no end-of-image marker)",
        Arrays.copyOf(jpg, jpg.length - 40));
    byte[] garbled = png.clone();
    for (int i = 40; i < garbled.length - 20; i++) {
      garbled[i] = (byte) (i * 31);
    }
    assertReason("corrupt or truncated PNG image", garbled);
  }

  private static void assertReason(String prefix, byte[] bytes) {
    MediaException e = assertThrows(MediaException.class, () -> ImagePatches.of(bytes, IMAGE));
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }

  /** A WAV file of a sine tone, 16-bit PCM, {@code channels} identical channels. */
  static byte[] wav(double hz, double seconds, int rate, int channels, int bits) {
    int frames = (int) (seconds * rate);
    int bytes = bits / 8;
    ByteBuffer data = ByteBuffer.allocate(frames * channels * bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < frames; i++) {
      double s = 0.5 * Math.sin(2 * Math.PI * hz * i / rate);
      for (int c = 0; c < channels; c++) {
        if (bits == 16) {
          data.putShort((short) Math.round(s * 32767));
        } else if (bits == 8) {
          data.put((byte) (Math.round(s * 127) + 128));
        } else {
          int v = (int) Math.round(s * 8388607);
          data.put((byte) v).put((byte) (v >> 8)).put((byte) (v >> 16));
        }
      }
    }
    ByteBuffer b = ByteBuffer.allocate(44 + data.capacity()).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + data.capacity()).put("WAVE".getBytes());
    b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) channels)
        .putInt(rate).putInt(rate * channels * bytes).putShort((short) (channels * bytes))
        .putShort((short) bits);
    b.put("data".getBytes()).putInt(data.capacity()).put(data.array());
    return b.array();
  }

  @Test
  void wavDecodesMixesAndResamples() throws Exception {
    AudioPatches.Pcm mono = AudioPatches.decodeWav(wav(440, 0.5, 22_050, 1, 16));
    AudioPatches.Pcm stereo = AudioPatches.decodeWav(wav(440, 0.5, 22_050, 2, 16));
    AudioPatches.Pcm pcm24 = AudioPatches.decodeWav(wav(440, 0.5, 22_050, 1, 24));
    AudioPatches.Pcm pcm8 = AudioPatches.decodeWav(wav(440, 0.5, 22_050, 1, 8));
    assertEquals(22_050, mono.rate());
    assertEquals(11_025, mono.samples().length);
    assertArrayEquals(mono.samples(), stereo.samples(), 1e-6f);
    assertArrayEquals(mono.samples(), pcm24.samples(), 1e-4f);
    assertArrayEquals(mono.samples(), pcm8.samples(), 0.02f);
    // resampling keeps a 440 Hz tone at 440 Hz: compare with the tone made at 16 kHz directly
    float[] resampled = AudioPatches.resample(mono.samples(), 22_050, 16_000);
    float[] direct = AudioPatches.decodeWav(wav(440, 0.5, 16_000, 1, 16)).samples();
    assertEquals(direct.length, resampled.length);
    for (int i = 200; i < direct.length - 200; i++) {
      assertEquals(direct[i], resampled[i], 0.01f, "sample " + i);
    }
  }

  @Test
  void logMelPeaksAtTheTonesBinAndPatchesGroupFrames() throws Exception {
    AudioPatches.Spec spec = AudioPatches.Spec.defaults();
    Patches low = AudioPatches.of(wav(300, 1.0, 16_000, 1, 16), spec);
    Patches high = AudioPatches.of(wav(3000, 1.0, 16_000, 1, 16), spec);
    // 1 s at hop 10 ms, window 25 ms: 98 frames -> 25 patches of 4 frames x 64 bins
    assertEquals(25, low.count());
    assertEquals(4 * 64, low.dim());
    assertEquals(24, low.time()[24]);
    int lowPeak = argmax(Arrays.copyOfRange(low.values(), 5 * 256, 5 * 256 + 64));
    int highPeak = argmax(Arrays.copyOfRange(high.values(), 5 * 256, 5 * 256 + 64));
    double lowMel = AudioPatches.hzToMel(300) / AudioPatches.hzToMel(8000) * 65;
    double highMel = AudioPatches.hzToMel(3000) / AudioPatches.hzToMel(8000) * 65;
    assertEquals(lowMel, lowPeak + 1, 1.5);
    assertEquals(highMel, highPeak + 1, 1.5);
  }

  @Test
  void tabulatedResamplerEqualsThePlainOne() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    float[] x = new float[30_000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (0.5 * Math.sin(i * 0.05) + 0.3 * (r.nextDouble() * 2 - 1));
    }
    for (int[] rates : new int[][] {{22_050, 16_000}, {44_100, 16_000}, {8_000, 16_000},
        {48_000, 16_000}, {11_025, 16_000}}) {
      float[] fast = AudioPatches.resample(x, rates[0], rates[1]);
      float[] plain = AudioPatches.resampleDirect(x, rates[0], rates[1]);
      assertEquals(plain.length, fast.length);
      for (int i = 0; i < plain.length; i++) {
        assertEquals(plain[i], fast[i], 1e-6, rates[0] + " Hz, sample " + i);
      }
    }
  }

  @Test
  void badAudioIsRejectedWithTheReason() {
    byte[] good = wav(440, 0.2, 16_000, 1, 16);
    assertAudio("empty audio file", new byte[0]);
    assertAudio("unsupported audio format (expected WAV, FLAC, Ogg Vorbis or MP3; the file"
        + " starts with 4d54686400000006)", new byte[] {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1});
    assertAudio("not a readable OGG file", "OggS....".getBytes());
    assertAudio("truncated WAV: data chunk declares 6400 bytes, 3156 present",
        Arrays.copyOf(good, 44 + 3156));
    assertAudio("audio has no samples", wav(440, 0, 16_000, 1, 16));
    assertAudio("empty audio file", new byte[0]);
    byte[] floatBits = good.clone();
    ByteBuffer.wrap(floatBits).order(ByteOrder.LITTLE_ENDIAN).putShort(34, (short) 12);
    assertAudio("unsupported WAV encoding (format 0x01 PCM, 12 bits", floatBits);
  }

  private static void assertAudio(String prefix, byte[] bytes) {
    MediaException e = assertThrows(MediaException.class,
        () -> AudioPatches.of(bytes, AudioPatches.Spec.defaults()));
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }

  static byte[] animatedGif(int frames) throws Exception {
    List<BufferedImage> images = new ArrayList<>();
    for (int f = 0; f < frames; f++) {
      BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, 32, 32);
      g.setColor(Color.BLACK);
      g.fillRect(f * 32 / frames, 0, 4, 32);   // a bar moving right
      g.dispose();
      images.add(img);
    }
    return GifWriter.write(images, 10);
  }

  @Test
  void animatedGifIsSampledEvenlyWithTimeSteps() throws Exception {
    VideoPatches.Spec spec = new VideoPatches.Spec(4, IMAGE);
    Patches p = VideoPatches.of(animatedGif(8), spec);
    assertEquals(4 * 16, p.count());
    assertEquals(0, p.time()[0]);
    assertEquals(3, p.time()[63]);
    // frames 1, 3, 5, 7 are sampled: the dark bar moves right from sample to sample
    int[] barColumn = new int[4];
    for (int s = 0; s < 4; s++) {
      float[] darkness = new float[32];
      for (int patch = 0; patch < 4; patch++) {   // the top row of patches
        float[] v = p.patch(s * 16 + patch);
        for (int x = 0; x < 8; x++) {
          darkness[patch * 8 + x] = -v[x * 3];
        }
      }
      barColumn[s] = argmax(darkness);
    }
    for (int s = 1; s < 4; s++) {
      assertTrue(barColumn[s] > barColumn[s - 1], Arrays.toString(barColumn));
    }
  }

  @Test
  void badVideoIsRejectedWithTheReason() throws Exception {
    VideoPatches.Spec spec = new VideoPatches.Spec(4, IMAGE);
    byte[] gif = animatedGif(6);
    byte[] mp4 = new byte[32];
    System.arraycopy("ftypisom".getBytes(), 0, mp4, 4, 8);
    for (Object[] c : new Object[][] {
        {"empty video file", new byte[0]},
        {"unreadable MP4 video", mp4},
        {"unsupported video format (expected animated GIF or MP4)", "RIFF....AVI ".getBytes()},
        {"corrupt or truncated GIF video", Arrays.copyOf(gif, 30)}}) {
      MediaException e = assertThrows(MediaException.class,
          () -> VideoPatches.of((byte[]) c[1], spec));
      assertTrue(e.getMessage().startsWith((String) c[0]), e.getMessage());
    }
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
