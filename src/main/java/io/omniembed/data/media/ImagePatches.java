package io.omniembed.data.media;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Images to patches: decode (PNG, JPEG, GIF — its first frame —, BMP), composite transparency on
 * white, fit into a {@code size × size} square keeping the aspect ratio (white padding, bilinear
 * scaling), scale RGB to [-1, 1], and cut into {@code (size/patch)²} patches of
 * {@code patch × patch × 3} values in row-major patch order, channels last.
 */
public final class ImagePatches {

  /** The square side an image is fitted into and the patch side; {@code size % patch == 0}. */
  public record Spec(int size, int patch) {
    public Spec {
      if (size <= 0 || patch <= 0 || size % patch != 0) {
        throw new IllegalArgumentException("image size " + size + " must be a positive multiple"
            + " of the patch size " + patch);
      }
    }

    public int patchesPerImage() {
      return (size / patch) * (size / patch);
    }

    public int patchDim() {
      return patch * patch * 3;
    }
  }

  /** The image formats recognised by their first bytes. */
  enum Format { PNG, JPEG, GIF, BMP }

  private ImagePatches() {}

  public static Patches of(byte[] bytes, Spec spec) throws MediaException {
    return patches(decode(bytes), spec, 0);
  }

  /** Decodes image bytes; truncated, corrupt or unknown data fails with the reason. */
  public static BufferedImage decode(byte[] bytes) throws MediaException {
    Format format = format(bytes);
    if (format == Format.JPEG && !endsWithEoi(bytes)) {
      // Java's JPEG reader returns a half-grey image for a cut file instead of failing
      throw new MediaException("truncated JPEG image (no end-of-image marker)");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new MediaException("no decoder for this " + format + " image");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        BufferedImage img = reader.read(0);
        if (img.getWidth() <= 0 || img.getHeight() <= 0) {
          throw new MediaException("image has no pixels");
        }
        return img;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new MediaException("corrupt or truncated " + format + " image: "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    }
  }

  static Format format(byte[] b) throws MediaException {
    if (b == null || b.length == 0) {
      throw new MediaException("empty image file");
    }
    if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
      return Format.PNG;
    }
    if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8
        && (b[2] & 0xff) == 0xFF) {
      return Format.JPEG;
    }
    if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
      return Format.GIF;
    }
    if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
      return Format.BMP;
    }
    throw new MediaException("unsupported image format (first bytes "
        + HexFormat.of().formatHex(b, 0, Math.min(8, b.length))
        + "; expected PNG, JPEG, GIF or BMP)");
  }

  private static boolean endsWithEoi(byte[] b) {
    int end = b.length;
    while (end > 2 && b[end - 1] == 0) {
      end--;   // some writers pad with zeros after the marker
    }
    return end >= 2 && (b[end - 2] & 0xff) == 0xFF && (b[end - 1] & 0xff) == 0xD9;
  }

  /** Fits {@code img} into the spec's square and cuts it into patches at time step {@code t}. */
  public static Patches patches(BufferedImage img, Spec spec, int t) {
    BufferedImage square = fit(img, spec.size());
    int perSide = spec.size() / spec.patch();
    int dim = spec.patchDim();
    float[] values = new float[spec.patchesPerImage() * dim];
    int[] rgb = new int[spec.size() * spec.size()];
    square.getRGB(0, 0, spec.size(), spec.size(), rgb, 0, spec.size());
    int k = 0;
    for (int py = 0; py < perSide; py++) {
      for (int px = 0; px < perSide; px++) {
        for (int y = 0; y < spec.patch(); y++) {
          int row = (py * spec.patch() + y) * spec.size() + px * spec.patch();
          for (int x = 0; x < spec.patch(); x++) {
            int p = rgb[row + x];
            values[k++] = ((p >> 16) & 0xff) / 127.5f - 1f;
            values[k++] = ((p >> 8) & 0xff) / 127.5f - 1f;
            values[k++] = (p & 0xff) / 127.5f - 1f;
          }
        }
      }
    }
    int[] time = new int[spec.patchesPerImage()];
    java.util.Arrays.fill(time, t);
    return new Patches(spec.patchesPerImage(), dim, values, time);
  }

  /** White square canvas, the image scaled to fit and centred; alpha composited on white. */
  static BufferedImage fit(BufferedImage img, int size) {
    BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, size, size);
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      double scale = Math.min((double) size / img.getWidth(), (double) size / img.getHeight());
      int w = Math.max(1, (int) Math.round(img.getWidth() * scale));
      int h = Math.max(1, (int) Math.round(img.getHeight() * scale));
      g.drawImage(img, (size - w) / 2, (size - h) / 2, w, h, null);
    } finally {
      g.dispose();
    }
    return out;
  }
}
