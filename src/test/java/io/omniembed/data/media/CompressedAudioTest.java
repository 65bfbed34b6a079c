package io.omniembed.data.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * FLAC, Ogg Vorbis and MP3 decode to the same sound as the WAV they were made from (one second of
 * 440 Hz; fixtures made with sox and lame, see src/test/resources/media/README.md), and cut or
 * garbled files are refused with the reason.
 */
class CompressedAudioTest {

  static byte[] fixture(String name) throws Exception {
    try (InputStream in = CompressedAudioTest.class.getResourceAsStream("/media/" + name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void eachFormatDecodesToTheToneItWasMadeFrom() throws Exception {
    AudioPatches.Spec spec = AudioPatches.Spec.defaults();
    Patches reference = AudioPatches.of(MediaPatchesTest.wav(440, 1.0, 16_000, 1, 16), spec);
    for (String name : new String[] {"tone440.flac", "tone440.ogg", "tone440.mp3"}) {
      byte[] bytes = fixture(name);
      AudioPatches.Pcm pcm = AudioPatches.decode(bytes);
      double seconds = (double) pcm.samples().length / pcm.rate();
      assertEquals(1.0, seconds, 0.08, name + ": duration");   // MP3 pads its frames
      Patches p = AudioPatches.of(bytes, spec);
      // the spectrum's peak bin of a middle frame is the reference's
      int frame = 10 * spec.melBins();
      int peak = MediaPatchesTest.argmax(Arrays.copyOfRange(p.values(), frame, frame + spec.melBins()));
      int ref = MediaPatchesTest.argmax(Arrays.copyOfRange(reference.values(), frame, frame + spec.melBins()));
      assertEquals(ref, peak, 1, name + ": spectral peak");
    }
  }

  @Test
  void cutAndGarbledFilesAreRefused() throws Exception {
    for (String name : new String[] {"tone440.flac", "tone440.ogg"}) {
      byte[] bytes = fixture(name);
      byte[] header = Arrays.copyOf(bytes, 40);
      MediaException e = assertThrows(MediaException.class, () -> AudioPatches.of(header,
          AudioPatches.Spec.defaults()));
      assertTrue(e.getMessage().contains(name.endsWith("flac") ? "FLAC" : "OGG"),
          e.getMessage());
    }
    byte[] garbled = fixture("tone440.mp3").clone();
    Arrays.fill(garbled, 3, garbled.length, (byte) 0);    // "ID3" and nothing decodable after
    MediaException e = assertThrows(MediaException.class, () -> AudioPatches.of(garbled,
        AudioPatches.Spec.defaults()));
    assertTrue(e.getMessage().contains("MP3"), e.getMessage());
  }
}
