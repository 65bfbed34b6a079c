package io.omniembed.data.media;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.Node;

/**
 * Video to patches: decode the frames, sample {@code frames} of them evenly over the clip, and
 * cut each into image patches whose time step is the sample's index (the encoder adds a time
 * embedding per step). Animated GIF is decoded here, each frame composited over the previous
 * one at its offset, as GIF players do for the common "leave in place" disposal.
 */
public final class VideoPatches {

  /** Frames sampled per clip and the image spec of each frame. */
  public record Spec(int frames, ImagePatches.Spec image) {
    public Spec {
      if (frames <= 0) {
        throw new IllegalArgumentException("video frames must be > 0, got " + frames);
      }
    }
  }

  private VideoPatches() {}

  public static Patches of(byte[] bytes, Spec spec) throws MediaException {
    if (isMp4(bytes)) {
      return patches(Mp4Video.sampledFrames(bytes, spec.frames()), spec);
    }
    return patches(decode(bytes), spec);
  }

  private static boolean isMp4(byte[] b) {
    return b != null && b.length >= 12 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p';
  }

  /** Every frame of an animated GIF, full size (MP4 goes through {@link Mp4Video}). */
  public static List<BufferedImage> decode(byte[] b) throws MediaException {
    if (b == null || b.length == 0) {
      throw new MediaException("empty video file");
    }
    if (b.length >= 12 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p') {
      throw new MediaException("MP4 frames are sampled by VideoPatches.of, not listed here");
    }
    if (b.length >= 4 && (b[0] & 0xff) == 0x1A && (b[1] & 0xff) == 0x45
        && (b[2] & 0xff) == 0xDF && (b[3] & 0xff) == 0xA3) {
      throw new MediaException("unsupported video format WebM/Matroska (decoded formats:"
          + " animated GIF, MP4 with H.264)");
    }
    if (!(b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8')) {
      throw new MediaException("unsupported video format (expected animated GIF or MP4)");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(b))) {
      ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
      try {
        reader.setInput(in, false, false);
        List<BufferedImage> frames = new ArrayList<>();
        BufferedImage canvas = null;
        for (int i = 0; ; i++) {
          BufferedImage frame;
          IIOMetadata meta;
          try {
            frame = reader.read(i);
            meta = reader.getImageMetadata(i);
          } catch (IndexOutOfBoundsException end) {
            break;
          }
          int[] at = offset(meta);
          if (canvas == null) {
            canvas = new BufferedImage(Math.max(1, screenWidth(reader, frame, at)),
                Math.max(1, screenHeight(reader, frame, at)), BufferedImage.TYPE_INT_ARGB);
          }
          Graphics2D g = canvas.createGraphics();
          g.drawImage(frame, at[0], at[1], null);
          g.dispose();
          BufferedImage copy = new BufferedImage(canvas.getWidth(), canvas.getHeight(),
              BufferedImage.TYPE_INT_ARGB);
          copy.setData(canvas.getData());
          frames.add(copy);
        }
        if (frames.isEmpty()) {
          throw new MediaException("video has no frames");
        }
        return frames;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new MediaException("corrupt or truncated GIF video: "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    }
  }

  /** Samples {@code spec.frames()} frames evenly (the middle of equal segments). */
  public static Patches patches(List<BufferedImage> frames, Spec spec) {
    int t = Math.min(spec.frames(), frames.size());
    List<Patches> parts = new ArrayList<>(t);
    for (int s = 0; s < t; s++) {
      int index = (int) Math.min(frames.size() - 1, (long) (2 * s + 1) * frames.size() / (2L * t));
      parts.add(ImagePatches.patches(frames.get(index), spec.image(), s));
    }
    int per = spec.image().patchesPerImage();
    int dim = spec.image().patchDim();
    float[] values = new float[t * per * dim];
    int[] time = new int[t * per];
    for (int s = 0; s < t; s++) {
      System.arraycopy(parts.get(s).values(), 0, values, s * per * dim, per * dim);
      System.arraycopy(parts.get(s).time(), 0, time, s * per, per);
    }
    return new Patches(t * per, dim, values, time);
  }

  private static int[] offset(IIOMetadata meta) {
    Node root = meta.getAsTree("javax_imageio_gif_image_1.0");
    for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n.getNodeName().equals("ImageDescriptor")) {
        return new int[] {attr(n, "imageLeftPosition"), attr(n, "imageTopPosition")};
      }
    }
    return new int[] {0, 0};
  }

  private static int screenWidth(ImageReader r, BufferedImage first, int[] at)
      throws IOException {
    Integer w = screen(r, "logicalScreenWidth");
    return w != null && w > 0 ? w : first.getWidth() + at[0];
  }

  private static int screenHeight(ImageReader r, BufferedImage first, int[] at)
      throws IOException {
    Integer h = screen(r, "logicalScreenHeight");
    return h != null && h > 0 ? h : first.getHeight() + at[1];
  }

  private static Integer screen(ImageReader r, String name) throws IOException {
    IIOMetadata stream = r.getStreamMetadata();
    if (stream == null) {
      return null;
    }
    Node root = stream.getAsTree("javax_imageio_gif_stream_1.0");
    for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n.getNodeName().equals("LogicalScreenDescriptor")) {
        return attr(n, name);
      }
    }
    return null;
  }

  private static int attr(Node n, String name) {
    Node a = n.getAttributes().getNamedItem(name);
    return a == null ? 0 : Integer.parseInt(a.getNodeValue());
  }
}
