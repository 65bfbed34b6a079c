package io.omniembed.data.multimodal;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * Fashion-MNIST (Debian {@code dataset-fashion-mnist}, IDX files) as PNG images captioned from
 * their class names ("a photo of a sneaker").
 */
public final class FashionMnist {

  public static final List<String> CLASSES = List.of("t-shirt", "trouser", "pullover", "dress",
      "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot");

  private FashionMnist() {}

  /** The first {@code limit} images of {@code split} ({@code train} or {@code t10k}). */
  public static List<NamedImage> read(Path dir, String split, int limit) throws IOException {
    Path images = dir.resolve(split + "-images-idx3-ubyte.gz");
    Path labels = dir.resolve(split + "-labels-idx1-ubyte.gz");
    if (!Files.isRegularFile(images) || !Files.isRegularFile(labels)) {
      throw new IllegalArgumentException(dir + ": no " + split + " IDX files (Debian"
          + " dataset-fashion-mnist: /usr/share/datasets/fashion-mnist)");
    }
    List<NamedImage> out = new ArrayList<>();
    try (DataInputStream img = open(images); DataInputStream lab = open(labels)) {
      if (img.readInt() != 0x803 || lab.readInt() != 0x801) {
        throw new IOException(dir + ": not IDX image/label files");
      }
      int n = Math.min(img.readInt(), lab.readInt());
      int rows = img.readInt();
      int cols = img.readInt();
      byte[] pixels = new byte[rows * cols];
      for (int i = 0; i < Math.min(n, limit); i++) {
        img.readFully(pixels);
        int label = lab.readUnsignedByte();
        BufferedImage bi = new BufferedImage(cols, rows, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < rows; y++) {
          for (int x = 0; x < cols; x++) {
            int v = 255 - (pixels[y * cols + x] & 0xff);   // dark garment on white, like a photo
            bi.setRGB(x, y, (v << 16) | (v << 8) | v);
          }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(bi, "png", png);
        out.add(new NamedImage("fashion:" + split + ":" + i, "fashion-mnist", png.toByteArray(),
            Map.of("en", "a photo of a " + CLASSES.get(label))));
      }
    }
    return out;
  }

  private static DataInputStream open(Path p) throws IOException {
    InputStream in = new GZIPInputStream(Files.newInputStream(p), 1 << 16);
    return new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16));
  }
}
