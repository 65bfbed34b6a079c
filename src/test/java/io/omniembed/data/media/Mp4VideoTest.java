package io.omniembed.data.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.jcodec.api.awt.AWTSequenceEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MP4 (H.264) clips: frames sampled evenly, decoded, patched like GIF frames; cut files refused. */
class Mp4VideoTest {

  /** 24 frames of a dark bar moving right across a white 64×64 frame, H.264 at 12 fps. */
  static byte[] movingBar(Path dir) throws Exception {
    Path file = dir.resolve("bar.mp4");
    AWTSequenceEncoder enc = AWTSequenceEncoder.createSequenceEncoder(file.toFile(), 12);
    for (int f = 0; f < 24; f++) {
      BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
      Graphics2D g = img.createGraphics();
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, 64, 64);
      g.setColor(Color.BLACK);
      g.fillRect(f * 56 / 23, 0, 8, 64);
      g.dispose();
      enc.encodeImage(img);
    }
    enc.finish();
    return Files.readAllBytes(file);
  }

  @Test
  void sampledFramesShowTheMotion(@TempDir Path dir) throws Exception {
    byte[] mp4 = movingBar(dir);
    VideoPatches.Spec spec = new VideoPatches.Spec(4, new ImagePatches.Spec(32, 8));
    Patches p = VideoPatches.of(mp4, spec);
    assertEquals(4 * 16, p.count());
    assertEquals(8 * 8 * 3, p.dim());
    // the darkest patch column of each sampled frame moves right
    int[] column = new int[4];
    for (int t = 0; t < 4; t++) {
      double darkest = Double.MAX_VALUE;
      for (int c = 0; c < 4; c++) {
        double sum = 0;
        for (int r = 0; r < 4; r++) {
          int patch = t * 16 + r * 4 + c;
          assertEquals(t, p.time()[patch]);
          for (int k = 0; k < p.dim(); k++) {
            sum += p.values()[patch * p.dim() + k];
          }
        }
        if (sum < darkest) {
          darkest = sum;
          column[t] = c;
        }
      }
    }
    for (int t = 1; t < 4; t++) {
      assertTrue(column[t] >= column[t - 1], Arrays.toString(column));
    }
    assertTrue(column[3] > column[0], Arrays.toString(column));
  }

  @Test
  void aCutFileIsRefused(@TempDir Path dir) throws Exception {
    byte[] mp4 = movingBar(dir);
    MediaException e = assertThrows(MediaException.class, () -> VideoPatches.of(
        Arrays.copyOf(mp4, mp4.length / 3), new VideoPatches.Spec(4, new ImagePatches.Spec(32,
            8))));
    assertTrue(e.getMessage().contains("MP4"), e.getMessage());
  }
}
