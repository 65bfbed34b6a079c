package io.omniembed.data.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TextTokenizerTest {

  private static TextTokenizer tok;

  @BeforeAll
  static void load() {
    tok = TextTokenizer.bundledMiniLm();
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  @Test
  void wordPieceWithSpecialTokens() {
    TextTokenizer.Tokens t = tok.encode("Hello world", 16);
    // [CLS] hello world [SEP] in the bert-base-uncased vocabulary.
    assertArrayEquals(new int[] {101, 7592, 2088, 102}, t.ids());
    assertFalse(t.truncated());
  }

  @Test
  void truncationKeepsSepAndIsReported() {
    TextTokenizer.Tokens t = tok.encode("one two three four five six seven", 5);
    assertEquals(5, t.length());
    assertEquals(101, t.ids()[0]);
    assertEquals(102, t.ids()[4]);
    assertTrue(t.truncated());
  }

  @Test
  void cuttingAHugeTextGivesTheSameTokensAsTokenisingAllOfIt() throws Exception {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 20000; i++) {
      b.append("token").append(i % 97).append(i % 5 == 0 ? ", " : " ");
    }
    String text = b.toString();
    TextTokenizer.Tokens fast = tok.encode(text, 64);
    long[] all = tokFull(text);
    int[] expected = new int[64];
    for (int i = 0; i < 63; i++) {
      expected[i] = (int) all[i];
    }
    expected[63] = 102;
    assertArrayEquals(expected, fast.ids());
    assertTrue(fast.truncated());
  }

  @Test
  void aVeryLongWordBecomesOneUnknownTokenAndTheCutStillHoldsEnoughText() {
    String text = "x".repeat(5000) + " then some words after it";
    TextTokenizer.Tokens t = tok.encode(text, 8);
    assertEquals(8, t.length());
    assertEquals(100, t.ids()[1]);   // [UNK]
  }

  private static long[] tokFull(String text) throws java.io.IOException {
    return ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.builder()
        .optTokenizerPath(writeBundled()).optAddSpecialTokens(true).optTruncation(false)
        .optPadding(false).optMaxLength(1_000_000).build().encode(text).getIds();
  }

  private static java.nio.file.Path writeBundled() {
    try {
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("tok");
      java.nio.file.Files.write(dir.resolve("tokenizer.json"), TextTokenizer.readBundled());
      return dir;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
