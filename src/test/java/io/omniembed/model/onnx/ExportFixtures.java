package io.omniembed.model.onnx;

import io.omniembed.data.Item;
import io.omniembed.data.Modality;
import io.omniembed.data.Part;
import io.omniembed.data.media.GifWriter;
import io.omniembed.data.media.WavWriter;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** Media items and the cosine of the export tests (the parity test and the job test). */
public final class ExportFixtures {

  private ExportFixtures() {}

  /** Items of each kind, keyed by kind, in an order that mixes them. */
  public static List<Map.Entry<String, Item>> mediaItems() throws Exception {
    List<Map.Entry<String, Item>> items = new ArrayList<>();
    Color[] colors = {Color.RED, Color.GREEN, Color.BLUE, Color.ORANGE};
    for (int i = 0; i < 4; i++) {
      items.add(Map.entry("text", Item.text("t" + i, "text number " + i
          + " with more words".repeat(i * 4))));
      items.add(Map.entry("image", new Item("i" + i, List.of(
          new Part.Media(Modality.IMAGE, null, png(colors[i], i))))));
      // 0.3 s to 2.4 s: the longest is cut at the preset's 16 audio patches
      items.add(Map.entry("audio", new Item("a" + i, List.of(
          new Part.Media(Modality.AUDIO, null, wav(200 + 300 * i, 0.3 + 0.7 * i))))));
      items.add(Map.entry("video", new Item("v" + i, List.of(
          new Part.Media(Modality.VIDEO, null, gif(3 + i, colors[i]))))));
      items.add(Map.entry("interleaved", new Item("m" + i, List.of(
          new Part.Text("a picture of " + i),
          new Part.Media(Modality.IMAGE, null, png(colors[3 - i], i + 1)),
          new Part.Text("then a tone"),
          new Part.Media(Modality.AUDIO, null, wav(500 + 100 * i, 0.4)),
          new Part.Media(Modality.VIDEO, null, gif(4, colors[i])),
          new Part.Text("and the end")))));
    }
    return items;
  }

  public static byte[] png(Color c, int stripes) throws Exception {
    BufferedImage img = new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(c);
    g.fillRect(0, 0, 20, 12);
    g.setColor(Color.WHITE);
    for (int s = 0; s < stripes; s++) {
      g.fillRect(s * 5, 0, 2, 12);
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  public static byte[] wav(double hz, double seconds) {
    int rate = 16000;
    short[] pcm = new short[(int) (seconds * rate)];
    for (int i = 0; i < pcm.length; i++) {
      pcm[i] = (short) (12000 * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return WavWriter.mono16(pcm, rate);
  }

  public static byte[] gif(int frames, Color c) throws Exception {
    List<BufferedImage> f = new ArrayList<>();
    for (int i = 0; i < frames; i++) {
      BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, 16, 16);
      g.setColor(c);
      g.fillRect(i * 3, 4, 5, 5);
      g.dispose();
      f.add(img);
    }
    return GifWriter.write(f, 10);
  }

  public static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
