package io.omniembed.model.onnx;

import io.omniembed.model.Vectors;
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
import java.util.Random;
import javax.imageio.ImageIO;

/** Texts, media items and the cosine of the export tests (the parity tests and the job test). */
public final class ExportFixtures {

  private ExportFixtures() {}

  /**
   * 110 texts of 1 to beyond 256 tokens: ten of mixed scripts, code, SQL, emoji and whitespace,
   * 90 word salads of 1 to 60 words, ten of 100 to 820 words (most truncated at 256 tokens; a
   * long text costs as much as dozens of short ones, so ten cover it).
   */
  public static List<String> texts() {
    List<String> s = new ArrayList<>(List.of(
        "Hello world.",
        "a",
        "The quick brown fox jumps over the lazy dog.",
        "public static int max(int a, int b) { return a >= b ? a : b; }",
        "Über den Wolken muss die Freiheit wohl grenzenlos sein.",
        "東京は日本の首都です。",
        "🙂 emoji and symbols ∑ ∫ √ π ≈ 3.14159",
        "SELECT name, COUNT(*) FROM users GROUP BY name ORDER BY 2 DESC;",
        "e-mail: someone@example.com, url: https://example.org/path?q=1",
        "Tab\tseparated\tvalues\nand new lines"));
    String[] words = {"model", "embedding", "vector", "cluster", "spark", "retrieval", "query",
        "document", "training", "negative", "batch", "gradient", "attention", "token", "layer"};
    Random r = new Random(42);
    while (s.size() < 100) {
      int n = 1 + r.nextInt(60);
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < n; i++) {
        b.append(words[r.nextInt(words.length)]).append(i % 7 == 6 ? ". " : " ");
      }
      s.add(b.toString().trim());
    }
    for (int k = 0; k < 10; k++) {
      StringBuilder b = new StringBuilder();
      for (int i = 0, n = 100 + 80 * k; i < n; i++) {   // many exceed 256 tokens: truncated
        b.append(words[r.nextInt(words.length)]).append(' ');
      }
      s.add(b.toString());
    }
    return s;
  }

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

}
