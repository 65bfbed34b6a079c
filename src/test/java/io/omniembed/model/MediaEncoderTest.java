package io.omniembed.model;

import io.omniembed.model.layer.Sequence;
import io.omniembed.model.layer.TokenBatch;
import io.omniembed.model.layer.Workspace;

import io.omniembed.io.Checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.config.MediaSpec;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.Item;
import io.omniembed.data.Modality;
import io.omniembed.data.Part;
import io.omniembed.data.media.GifWriter;
import io.omniembed.data.media.MediaException;
import io.omniembed.data.media.WavWriter;
import io.omniembed.data.text.TextTokenizer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Items of interleaved parts as sequences, and the encoder's media towers. Its tone WAV also serves
 * the job tests.
 */
public class MediaEncoderTest {

  private static final TextTokenizer TOK = TextTokenizer.bundledMiniLm();
  private static final MediaSpec TINY = MediaSpec.preset("tiny");

  static byte[] png(Color c) throws Exception {
    BufferedImage img = new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(c);
    g.fillRect(0, 0, 20, 12);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  /** A mono 16-bit WAV of a tone. */
  public static byte[] wav(double hz, double seconds, int rate) {
    short[] pcm = new short[(int) (seconds * rate)];
    for (int i = 0; i < pcm.length; i++) {
      pcm[i] = (short) (12000 * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return WavWriter.mono16(pcm, rate);
  }

  static byte[] gif(int frames) throws Exception {
    List<BufferedImage> f = new ArrayList<>();
    for (int i = 0; i < frames; i++) {
      BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, 16, 16);
      g.setColor(Color.BLUE);
      g.fillRect(i * 2, 4, 4, 4);
      g.dispose();
      f.add(img);
    }
    return GifWriter.write(f, 10);
  }

  private static ItemSequencer sequencer(MediaSpec media, int maxLength, int maxPositions) {
    return new ItemSequencer(TOK, media, "test-model", maxLength, maxPositions);
  }

  private static ItemSequencer.MediaReader inline() {
    return part -> part.bytes();
  }

  @Test
  void textItemsAreTokenisedExactlyAsBefore() throws Exception {
    Sequence s = sequencer(TINY, 16, 128).sequence(Item.text("a", "Spark runs batch jobs."),
        inline());
    assertArrayEquals(TOK.encode("Spark runs batch jobs.", 16).ids(), s.ids());
    assertFalse(s.hasMedia());
    assertFalse(s.truncated());
  }

  @Test
  void interleavedPartsKeepTheirOrderAndModalities() throws Exception {
    Item item = new Item("m", List.of(new Part.Text("a red square"),
        new Part.Media(Modality.IMAGE, null, png(Color.RED)),
        new Part.Text("then a tone"),
        new Part.Media(Modality.AUDIO, null, wav(440, 0.5, 16000)),
        new Part.Media(Modality.VIDEO, null, gif(6))));
    Sequence s = sequencer(TINY, 64, 128).sequence(item, inline());
    int[] red = TOK.encode("a red square", 64).ids();
    int[] tone = TOK.encode("then a tone", 64).ids();
    int imagePatches = 4;                      // (16 / 8)²
    int audioPatches = (int) Math.ceil((0.5 * 100 - 1.5) / 8.0);   // ~48 frames / 8, see below
    int videoPatches = 4 * 4;                  // 4 frames × (16 / 8)²
    List<Integer> types = new ArrayList<>();
    for (int t : s.types()) {
      types.add(t);
    }
    assertEquals(red[0], s.ids()[0], "[CLS] first");
    assertEquals(red[red.length - 1], s.ids()[s.length() - 1], "[SEP] last");
    int pos = 1;
    for (int i = 1; i < red.length - 1; i++, pos++) {
      assertEquals(red[i], s.ids()[pos]);
      assertNull(s.patches()[pos]);
    }
    for (int i = 0; i < imagePatches; i++, pos++) {
      assertEquals(Modality.IMAGE.typeId(), s.types()[pos]);
      assertEquals(8 * 8 * 3, s.patches()[pos].length);
    }
    for (int i = 1; i < tone.length - 1; i++, pos++) {
      assertEquals(tone[i], s.ids()[pos]);
    }
    int audioStart = pos;
    while (s.types()[pos] == Modality.AUDIO.typeId()) {
      assertEquals(16 * 8, s.patches()[pos].length);
      pos++;
    }
    assertTrue(pos - audioStart >= audioPatches - 1 && pos - audioStart <= audioPatches + 1,
        "audio patches " + (pos - audioStart));
    for (int i = 0; i < videoPatches; i++, pos++) {
      assertEquals(Modality.VIDEO.typeId(), s.types()[pos]);
      assertEquals(i / 4, s.times()[pos], "frame of video patch " + i);
    }
    assertEquals(s.length() - 1, pos);
    assertFalse(s.truncated());
  }

  @Test
  void lengthLimitsCutAndSaySo() throws Exception {
    // 3 s of audio is ~37 patches of 8 frames; tiny keeps 16.
    Item audio = new Item("a", List.of(new Part.Media(Modality.AUDIO, null,
        wav(300, 3, 16000))));
    Sequence s = sequencer(TINY, 64, 128).sequence(audio, inline());
    assertEquals(16 + 2, s.length());
    assertTrue(s.truncated());
    // the whole sequence is cut to the model's positions, [SEP] kept last
    Item long_ = new Item("l", List.of(new Part.Text("word ".repeat(40)),
        new Part.Media(Modality.VIDEO, null, gif(4))));
    Sequence cut = sequencer(TINY, 64, 24).sequence(long_, inline());
    assertEquals(24, cut.length());
    assertTrue(cut.truncated());
    assertEquals(TOK.encode("x", 8).ids()[2], cut.ids()[23]);
  }

  @Test
  void aTextModelRefusesMediaAndBadMediaIsNamed() throws Exception {
    Item image = new Item("i", List.of(new Part.Media(Modality.IMAGE, "cat.png", null)));
    MediaException e = assertThrows(MediaException.class,
        () -> sequencer(null, 64, 128).sequence(image, p -> new byte[0]));
    assertEquals("model test-model embeds text only; this item has image parts", e.getMessage());
    MediaException bad = assertThrows(MediaException.class,
        () -> sequencer(TINY, 64, 128).sequence(image, p -> "not an image".getBytes()));
    assertTrue(bad.getMessage().startsWith("image 'cat.png': "), bad.getMessage());
  }

  @Test
  void addingMediaTowersLeavesTheTextPathUnchanged() throws Exception {
    Encoder text = Encoder.randomInit(ModelConfig.preset("tiny"), 7);
    Encoder media = text.withMedia(TINY, 8);
    assertNotNull(media.config().media());
    TokenBatch batch = TokenBatch.ofText(List.of(TOK.encode("one text", 64).ids(),
        TOK.encode("and another, longer text", 64).ids()));
    float[][] a = text.forward(batch, new Workspace(), false).toFloatMatrix();
    float[][] b = media.forward(batch, new Workspace(), false).toFloatMatrix();
    for (int i = 0; i < a.length; i++) {
      assertArrayEquals(a[i], b[i], 0f);
    }
    // and a media item goes through the new towers to a unit vector
    Sequence s = sequencer(TINY, 64, 128).sequence(new Item("v", List.of(
        new Part.Text("a clip"), new Part.Media(Modality.VIDEO, null, gif(5)))), inline());
    float[] v = media.forward(TokenBatch.of(List.of(s)), new Workspace(), false)
        .toFloatMatrix()[0];
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    assertEquals(1.0, norm, 1e-5);
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> text.forward(TokenBatch.of(List.of(s)), new Workspace(), false));
    assertTrue(refused.getMessage().contains("text only"), refused.getMessage());
  }

  /**
   * The batched path (items of every modality sorted by length, padded into batches of 4) equals
   * each item embedded alone.
   */
  @Test
  void batchedMixedModalitiesEqualOneByOne() throws Exception {
    Encoder encoder = Encoder.randomInit(ModelConfig.preset("tiny-media"), 11);
    NativeEmbedder embedder = new NativeEmbedder(encoder, TOK, "random:tiny-media",
        Checkpoint.hash(encoder.store()));
    List<Item> items = new ArrayList<>();
    Color[] colors = {Color.RED, Color.GREEN, Color.BLUE};
    for (int i = 0; i < 3; i++) {
      items.add(Item.text("t" + i, "text number " + i + " with" + " more".repeat(i * 3)));
      items.add(new Item("i" + i, List.of(new Part.Media(Modality.IMAGE, null,
          png(colors[i])))));
      items.add(new Item("a" + i, List.of(new Part.Text("tone " + i),
          new Part.Media(Modality.AUDIO, null, wav(200 + 300 * i, 0.3 + 0.4 * i, 16000)))));
      items.add(new Item("v" + i, List.of(new Part.Media(Modality.VIDEO, null, gif(3 + i)))));
    }
    java.util.Map<String, float[]> batched = new java.util.HashMap<>();
    java.util.Map<String, float[]> alone = new java.util.HashMap<>();
    for (int batch : new int[] {4, 1}) {
      java.util.Map<String, float[]> into = batch == 4 ? batched : alone;
      new ItemEmbedding(embedder, batch, embedder.dim(), 64, 0, (part, source) -> part.bytes())
          .run(items.stream().map(it -> new ItemEmbedding.Input(null,
              (io.omniembed.data.ItemParser.Result) new io.omniembed.data.ItemParser.Ok(it)))
              .iterator(), new ItemEmbedding.Sink() {
                @Override
                public void embedded(ItemEmbedding.Embedded e) {
                  into.put(e.id(), e.vector());
                }

                @Override
                public void failed(ItemEmbedding.Failed f) {
                  throw new AssertionError(f.reason());
                }
              });
    }
    assertEquals(items.size(), batched.size());
    for (Item it : items) {
      assertArrayEquals(alone.get(it.id()), batched.get(it.id()), 2e-5f, it.id());
    }
  }
}
