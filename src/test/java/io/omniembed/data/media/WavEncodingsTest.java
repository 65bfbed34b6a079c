package io.omniembed.data.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;

/**
 * A-law, μ-law, IMA ADPCM and GSM 6.10 WAVs decode sample for sample as sox decodes them (sox's
 * GSM codec is libgsm); the fixtures, half a second of espeak-ng speech at 8 kHz, and sox's
 * decodings of them ({@code NAME.s16}) come from src/test/resources/media/make-wav-fixtures.sh.
 * Wrong and cut files are refused with the reason.
 */
class WavEncodingsTest {

  private static final String DECODES = "expected PCM 8/16/24/32-bit, 32-bit float, 8-bit A-law"
      + " or μ-law, 4-bit IMA ADPCM or GSM 6.10)";

  /** sox's decoding of a fixture: raw 16-bit little-endian samples, channels interleaved. */
  private static short[] sox(String name) throws Exception {
    byte[] raw = CompressedAudioTest.fixture(name + ".s16");
    short[] s = new short[raw.length / 2];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
    return s;
  }

  /** The first {@code frames} mono samples the PCM path gives for {@code interleaved}. */
  private static float[] pcmPath(short[] interleaved, int channels, int frames)
      throws Exception {
    if (channels == 1) {
      return Arrays.copyOf(AudioPatches.decodeWav(WavWriter.mono16(interleaved, 8000))
          .samples(), frames);
    }
    float[] mono = new float[frames];   // WavWriter writes mono: mix as the PCM path does
    for (int f = 0; f < frames; f++) {
      double sum = 0;
      for (int c = 0; c < channels; c++) {
        sum += interleaved[f * channels + c] / 32768.0;
      }
      mono[f] = (float) (sum / channels);
    }
    return mono;
  }

  private static void assertDecodesAsSox(String name, int channels, int frames)
      throws Exception {
    AudioPatches.Pcm pcm = AudioPatches.decode(CompressedAudioTest.fixture(name + ".wav"));
    assertEquals(8000, pcm.rate(), name);
    assertEquals(frames, pcm.samples().length, name + ": the fact chunk's frame count");
    assertArrayEquals(pcmPath(sox(name), channels, frames), pcm.samples(), name);
  }

  @Test
  void g711DecodesAsSox() throws Exception {
    assertDecodesAsSox("speech8k-alaw", 1, 4000);
    assertDecodesAsSox("speech8k-ulaw", 1, 4000);
  }

  @Test
  void g711TablesEqualTheJdkConversion() throws Exception {
    byte[] codes = new byte[256];
    for (int c = 0; c < 256; c++) {
      codes[c] = (byte) c;
    }
    for (G711 law : G711.values()) {
      AudioFormat.Encoding encoding = law == G711.ALAW ? AudioFormat.Encoding.ALAW
          : AudioFormat.Encoding.ULAW;
      AudioInputStream coded = new AudioInputStream(new ByteArrayInputStream(codes),
          new AudioFormat(encoding, 8000, 8, 1, 1, 8000, false), 256);
      byte[] linear = AudioSystem.getAudioInputStream(new AudioFormat(8000, 16, 1, true, false),
          coded).readAllBytes();
      ByteBuffer jdk = ByteBuffer.wrap(linear).order(ByteOrder.LITTLE_ENDIAN);
      for (int c = 0; c < 256; c++) {
        assertEquals(jdk.getShort(2 * c), law.expand(c), law + " code " + c);
      }
    }
    // the ends of each law's range (G.711 tables 1 and 2, scaled to 16 bits)
    assertEquals(-32256, G711.ALAW.expand(0x2A));
    assertEquals(32256, G711.ALAW.expand(0xAA));
    assertEquals(-32124, G711.MULAW.expand(0x00));
    assertEquals(0, G711.MULAW.expand(0xFF));
  }

  @Test
  void imaAdpcmDecodesAsSoxMonoAndStereo() throws Exception {
    assertDecodesAsSox("speech8k-ima", 1, 4000);          // 8 blocks of 505, the last padded
    assertDecodesAsSox("speech8k-ima-stereo", 2, 2000);   // per-channel headers and words
  }

  @Test
  void gsmDecodesAsLibgsm() throws Exception {
    // 13 blocks of 320, the last padded; sox counts RIFF's pad byte in the data size (846)
    assertDecodesAsSox("speech8k-gsm", 1, 4000);
  }

  @Test
  void extensibleWithARegisteredSubFormatDecodesAsThePlainTag() throws Exception {
    for (String name : new String[] {"speech8k-ulaw", "speech8k-ima", "speech8k-gsm"}) {
      byte[] plain = CompressedAudioTest.fixture(name + ".wav");
      byte[] extensible = extensible(plain, WavFile.EXTENSIBLE, tag(plain));
      assertArrayEquals(AudioPatches.decode(plain).samples(),
          AudioPatches.decode(extensible).samples(), name);
    }
    byte[] ulaw = CompressedAudioTest.fixture("speech8k-ulaw.wav");
    byte[] other = extensible(ulaw, WavFile.EXTENSIBLE, 7);
    other[20 + 24 + 15] = 0x72;   // the GUID's last byte
    assertRefused("unsupported WAV encoding (WAVE_FORMAT_EXTENSIBLE with sub-format"
        + " {00000007-0000-0010-8000-00AA00389B72}; " + DECODES, other);
    byte[] shortExtension = ulaw.clone();
    le(shortExtension).putShort(20, (short) 0xFFFE);
    assertRefused("invalid WAV: WAVE_FORMAT_EXTENSIBLE with a fmt extension of 0 bytes"
        + " (expected 22, ending in the sub-format GUID)", shortExtension);
  }

  @Test
  void wrongG711FilesAreRefused() throws Exception {
    byte[] wide = CompressedAudioTest.fixture("speech8k-ulaw.wav");
    le(wide).putShort(34, (short) 16);
    assertRefused("unsupported WAV encoding (format 0x07 μ-law, 16 bits; " + DECODES, wide);
    byte[] misaligned = CompressedAudioTest.fixture("speech8k-alaw.wav");
    le(misaligned).putShort(32, (short) 2);
    assertRefused("invalid A-law WAV: block align 2 for 1 channel(s) of one byte (expected 1)",
        misaligned);
  }

  @Test
  void wrongImaAdpcmFilesAreRefused() throws Exception {
    byte[] misaligned = CompressedAudioTest.fixture("speech8k-ima-stereo.wav");
    le(misaligned).putShort(32, (short) 260);   // 8 bytes of headers + 252: not whole words
    assertRefused("invalid IMA ADPCM WAV: block align 260 does not fit 2 channel(s) (a 4-byte"
        + " header and whole 4-byte words per channel, a multiple of 8 bytes above 8)",
        misaligned);
    byte[] tooMany = CompressedAudioTest.fixture("speech8k-ima.wav");
    le(tooMany).putShort(38, (short) 506);
    assertRefused("invalid IMA ADPCM WAV: 506 samples per block declared, a block of 256 bytes"
        + " for 1 channel(s) holds 505", tooMany);
    byte[] badIndex = CompressedAudioTest.fixture("speech8k-ima.wav");
    badIndex[data(badIndex) + 2 * 256 + 2] = 89;   // block 2's step index
    assertRefused("invalid IMA ADPCM WAV: block 2, channel 0 starts at step index 89 (at most"
        + " 88)", badIndex);
    byte[] threeBit = CompressedAudioTest.fixture("speech8k-ima.wav");
    le(threeBit).putShort(34, (short) 3);
    assertRefused("unsupported WAV encoding (format 0x11 IMA ADPCM, 3 bits; " + DECODES,
        threeBit);
  }

  @Test
  void aCutLastImaAdpcmBlockDecodesItsWholeWords() throws Exception {
    byte[] full = CompressedAudioTest.fixture("speech8k-ima.wav");
    float[] whole = AudioPatches.decode(full).samples();
    // 4 whole blocks, then 4 header bytes and 25 words and 2 bytes of the fifth block
    byte[] cut = cutData(full, 4 * 256 + 4 + 25 * 4 + 2);
    float[] samples = AudioPatches.decode(cut).samples();
    assertEquals(4 * 505 + 1 + 25 * 8, samples.length);
    assertArrayEquals(Arrays.copyOf(whole, samples.length), samples);
    byte[] stereo = CompressedAudioTest.fixture("speech8k-ima-stereo.wav");
    byte[] stereoCut = cutData(stereo, 512 + 8 + 3 * 8 + 5);   // 3 words of each channel
    float[] stereoSamples = AudioPatches.decode(stereoCut).samples();
    assertEquals(505 + 1 + 3 * 8, stereoSamples.length);
    assertArrayEquals(Arrays.copyOf(AudioPatches.decode(stereo).samples(), 505 + 25),
        stereoSamples);
  }

  @Test
  void wrongAndCutGsmFilesAreRefused() throws Exception {
    byte[] gsm = CompressedAudioTest.fixture("speech8k-gsm.wav");
    assertRefused("truncated GSM 6.10 WAV: the data ends in a block of 55 of 65 bytes",
        cutData(gsm, 13 * 65 - 10));
    assertRefused("truncated GSM 6.10 WAV: the data ends in a block of 1 of 65 bytes",
        cutData(gsm, 12 * 65 + 1));   // after an even count, one byte is no pad byte
    byte[] misaligned = gsm.clone();
    le(misaligned).putShort(32, (short) 66);
    assertRefused("invalid GSM 6.10 WAV: block align 66 (a block is two frames packed in 65"
        + " bytes)", misaligned);
    byte[] stereo = gsm.clone();
    le(stereo).putShort(22, (short) 2);
    assertRefused("unsupported WAV encoding (format 0x31 GSM 6.10 with 2 channels; GSM 6.10 is"
        + " mono)", stereo);
    byte[] half = gsm.clone();
    le(half).putShort(38, (short) 160);
    assertRefused("invalid GSM 6.10 WAV: 160 samples per block declared (a block holds 320)",
        half);
  }

  @Test
  void otherEncodingsAreRefusedByName() throws Exception {
    byte[] mp3 = CompressedAudioTest.fixture("speech8k-ulaw.wav");
    le(mp3).putShort(20, (short) 0x55).putShort(34, (short) 0);
    assertRefused("unsupported WAV encoding (format 0x55 MPEG Layer 3, 0 bits; " + DECODES, mp3);
    byte[] msAdpcm = CompressedAudioTest.fixture("speech8k-ima.wav");
    le(msAdpcm).putShort(20, (short) 2);
    assertRefused("unsupported WAV encoding (format 0x02 Microsoft ADPCM, 4 bits; " + DECODES,
        msAdpcm);
    byte[] unknown = CompressedAudioTest.fixture("speech8k-ulaw.wav");
    le(unknown).putShort(20, (short) 0x1234);
    assertRefused("unsupported WAV encoding (format 0x1234, 8 bits; " + DECODES, unknown);
  }

  private static void assertRefused(String message, byte[] wav) {
    MediaException e = assertThrows(MediaException.class, () -> AudioPatches.decode(wav));
    assertEquals(message, e.getMessage());
  }

  private static ByteBuffer le(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static int tag(byte[] wav) {
    return le(wav).getShort(20) & 0xffff;   // the fmt chunk is the first, at 12
  }

  /** Offset of the data chunk's body. */
  private static int data(byte[] wav) {
    ByteBuffer b = le(wav);
    int pos = 12;
    while (!new String(wav, pos, 4).equals("data")) {
      pos += 8 + b.getInt(pos + 4);
    }
    return pos + 8;
  }

  /** The file with its data chunk cut to {@code bytes} (sizes rewritten to match). */
  private static byte[] cutData(byte[] wav, int bytes) {
    int body = data(wav);
    byte[] cut = Arrays.copyOf(wav, body + bytes);
    le(cut).putInt(4, cut.length - 8).putInt(body - 4, bytes);
    return cut;
  }

  /**
   * The file with its fmt chunk rewritten as WAVE_FORMAT_EXTENSIBLE: the same fields, the
   * extension's first field kept (samples per block), and the registered sub-format GUID of
   * {@code subTag}.
   */
  private static byte[] extensible(byte[] wav, int tag, int subTag) {
    ByteBuffer in = le(wav);
    int fmtSize = in.getInt(16);
    int rest = 20 + fmtSize;
    ByteBuffer out = ByteBuffer.allocate(wav.length - fmtSize + 40).order(ByteOrder.LITTLE_ENDIAN);
    out.put("RIFF".getBytes()).putInt(out.capacity() - 8).put("WAVE".getBytes());
    out.put("fmt ".getBytes()).putInt(40).putShort((short) tag);
    out.put(wav, 22, 14);   // channels, rate, bytes per second, block align, bits
    short first = fmtSize >= 20 ? in.getShort(38) : in.getShort(34);
    out.putShort((short) 22).putShort(first).putInt(4);   // channel mask: front centre
    out.putShort((short) subTag).putShort((short) 0).putShort((short) 0)
        .putShort((short) 0x10).put(new byte[] {(byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38,
            (byte) 0x9B, 0x71});
    out.put(wav, rest, wav.length - rest);
    return out.array();
  }
}
