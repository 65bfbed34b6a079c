package io.omniembed.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.omniembed.config.MediaSpec;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.Item;
import io.omniembed.data.Modality;
import io.omniembed.data.Part;
import io.omniembed.data.text.TextTokenizer;
import io.omniembed.io.Models;
import io.omniembed.model.layer.Sequence;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An XLM-RoBERTa-layout model (model_type xlm-roberta, pad_token_id 1, type_vocab_size 1, a
 * SentencePiece Unigram tokenizer.json with &lt;s&gt; &lt;pad&gt; &lt;/s&gt; &lt;unk&gt;, weights
 * under the {@code roberta.} prefix) with random weights, imported through {@code hf:}: the ids
 * the encoder is fed are the tokenizer library's own, and the embedding equals a plain reference
 * of XLMRobertaModel whose position ids start at padding_idx + 1 = 2 (and not one that starts at
 * 0).
 */
class XlmRobertaImportTest {

  static final HfFixtures.Arch ARCH = new HfFixtures.Arch("xlm-roberta",
      HfFixtures.PIECES.size(), 16, 2, 4, 24, 26, 1, 1e-5, 1);
  static final List<String> TEXTS = List.of("hello world", "the cats sat on the mat.",
      "a dog and a cat, hello", "über straße", "unknown words zzz qq", "running b",
      "the cat sat on the mat, the dog sat on the cat, hello world and hello dog.", "hello");
  /** 30 words: 32 ids, more than the 24 positions. */
  static final String LONG = "the ".repeat(30).trim();

  @TempDir
  static Path dir;
  private static Map<String, FloatTensor> weights;
  private static TextEmbedder model;

  @BeforeAll
  static void importIt() throws Exception {
    weights = HfFixtures.randomWeights(ARCH, 5);
    HfFixtures.writeFolder(dir, ARCH, HfFixtures.unigramTokenizer(), weights, "roberta.");
    HfFixtures.writeModules(dir, ARCH.hidden(), "mean", false, true);
    model = Models.load(ModelSpec.parse("hf:" + dir), new Configuration(), 1);
  }

  @Test
  void configTakesThePositionOffsetAndTheSpecialsComeFromTheTokenizerFile() {
    ModelConfig c = ((NativeEmbedder) model).encoder().config();
    assertEquals(2, c.positionOffset());
    assertEquals(24, c.maxSequence());
    assertEquals(24, model.maxPositions());
    assertEquals(24, model.maxLength());
    assertEquals(ModelConfig.Pooling.MEAN, c.pooling());
    TextTokenizer tok = model.tokenizer();
    assertEquals(0, tok.clsId());
    assertEquals(2, tok.sepId());
    assertEquals(1, tok.padId());
    assertEquals(HfFixtures.PIECES.size(), tok.vocabSize());
    assertEquals(List.of(), model.card().notes(), "the folder has Normalize: nothing to note");
  }

  @Test
  void idsFedToTheEncoderAreTheTokenizerLibrarysOwn() throws Exception {
    ItemSequencer sequencer = new ItemSequencer(model.tokenizer(), null, model.modelId(),
        model.maxLength(), model.maxPositions());
    int multiPiece = 0;
    int unknown = 0;
    try (HuggingFaceTokenizer library = HuggingFaceTokenizer.newInstance(
        dir.resolve("tokenizer.json"))) {
      for (String text : TEXTS) {
        int[] expected = Arrays.stream(library.encode(text).getIds()).mapToInt(l -> (int) l)
            .toArray();
        int[] ours = model.tokenizer().encode(text, model.maxLength()).ids();
        Sequence seq = sequencer.sequence(Item.text("x", text), part -> null);
        assertArrayEquals(expected, ours, text);
        assertArrayEquals(expected, seq.ids(), text);
        assertEquals(0, ours[0], "<s> first: " + text);
        assertEquals(2, ours[ours.length - 1], "</s> last: " + text);
        multiPiece += ours.length - 2 > text.split(" ").length ? 1 : 0;
        unknown += Arrays.stream(ours).anyMatch(id -> id == 3) ? 1 : 0;
      }
      assertTrue(multiPiece >= 2, "the texts must include words cut into several pieces");
      assertTrue(unknown >= 1, "the texts must include an unknown piece");

      // The long text is cut to 24 ids, </s> kept last, as Hugging Face truncates.
      TextTokenizer.Tokens cut = model.tokenizer().encode(LONG, model.maxLength());
      long[] all = library.encode(LONG).getIds();
      assertTrue(all.length > 24, "the long text has " + all.length + " ids");
      assertTrue(cut.truncated());
      assertEquals(24, cut.length());
      assertEquals(2, cut.ids()[23]);
      for (int i = 0; i < 23; i++) {
        assertEquals(all[i], cut.ids()[i]);
      }

      // An interleaved item is built around the same specials: <s> text image </s>.
      ItemSequencer media = new ItemSequencer(model.tokenizer(), MediaSpec.preset("tiny"),
          model.modelId(), model.maxLength(), 64);
      Item item = new Item("m", List.of(new Part.Text("hello world"),
          new Part.Media(Modality.IMAGE, null, png())));
      Sequence s = media.sequence(item, part -> part.bytes());
      long[] text = library.encode("hello world").getIds();
      assertEquals(0, s.ids()[0]);
      assertEquals(2, s.ids()[s.length() - 1]);
      for (int i = 1; i < text.length - 1; i++) {
        assertEquals(text[i], s.ids()[i], "text token " + i + " of the item");
      }
      assertEquals(Modality.IMAGE.typeId(), s.types()[text.length - 1]);
    }
  }

  @Test
  void embeddingsMatchXlmRobertaWithPositionsFromPaddingIdxPlusOne() {
    List<int[]> ids = new ArrayList<>();
    for (String t : TEXTS) {
      ids.add(model.tokenizer().encode(t, model.maxLength()).ids());
    }
    float[][] ours = model.embed(ids);   // one padded batch: the mask must hide the padding
    double worst = 0;
    double nearestFromZero = Double.MAX_VALUE;
    for (int i = 0; i < ids.size(); i++) {
      double[] expected = HfFixtures.reference(ARCH, weights, ids.get(i), 2, false, null, null);
      double[] fromZero = HfFixtures.reference(ARCH, weights, ids.get(i), 0, false, null, null);
      worst = Math.max(worst, HfFixtures.maxAbsDiff(ours[i], expected));
      nearestFromZero = Math.min(nearestFromZero, HfFixtures.maxAbsDiff(ours[i], fromZero));
    }
    assertTrue(worst < 2e-5, "largest difference from the reference: " + worst);
    assertTrue(nearestFromZero > 1e-2, "positions from 0 would give nearly the same vectors ("
        + nearestFromZero + "): the test could not tell the offset");
    System.out.printf("xlm-roberta: %d texts, max |ours - reference| %.2e; positions from 0"
        + " would differ by >= %.3f%n", ids.size(), worst, nearestFromZero);
  }

  private static byte[] png() throws Exception {
    BufferedImage img = new BufferedImage(12, 12, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 12; y++) {
      for (int x = 0; x < 12; x++) {
        img.setRGB(x, y, (x * 20) << 16 | (y * 20) << 8 | 90);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }
}
