package io.omniembed.data.multimodal;

import io.omniembed.data.media.GifWriter;
import io.omniembed.data.media.ImagePatches;
import io.omniembed.data.media.MediaException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Short composed clips: an image moving across a white frame in one of four directions, captioned
 * from a template ("grinning face moving from left to right"). Composed material, labelled as
 * such in every record made from it; it teaches and tests motion (the time embedding), not real
 * video.
 */
public final class ComposedClips {

  /** The motions and their caption phrases. */
  public enum Motion {
    LEFT_TO_RIGHT("moving from left to right"),
    RIGHT_TO_LEFT("moving from right to left"),
    TOP_TO_BOTTOM("moving from top to bottom"),
    BOTTOM_TO_TOP("moving from bottom to top");

    public final String phrase;

    Motion(String phrase) {
      this.phrase = phrase;
    }
  }

  private ComposedClips() {}

  /** The caption of {@code name} moving as {@code m}. */
  public static String caption(String name, Motion m) {
    return name + " " + m.phrase;
  }

  /** An animated GIF of {@code frames} frames, {@code size}² pixels, the image half as wide. */
  public static byte[] clip(byte[] image, Motion m, int frames, int size)
      throws IOException, MediaException {
    BufferedImage sprite = ImagePatches.decode(image);
    int s = size / 2;
    List<BufferedImage> out = new ArrayList<>(frames);
    for (int f = 0; f < frames; f++) {
      int travel = (size - s) * f / Math.max(1, frames - 1);
      int x = switch (m) {
        case LEFT_TO_RIGHT -> travel;
        case RIGHT_TO_LEFT -> size - s - travel;
        default -> (size - s) / 2;
      };
      int y = switch (m) {
        case TOP_TO_BOTTOM -> travel;
        case BOTTOM_TO_TOP -> size - s - travel;
        default -> (size - s) / 2;
      };
      BufferedImage frame = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = frame.createGraphics();
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, size, size);
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(sprite, x, y, s, s, null);
      g.dispose();
      out.add(frame);
    }
    return GifWriter.write(out, 12);
  }
}
