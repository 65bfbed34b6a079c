package io.omniembed.data.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The special tokens and vocabulary size read from a tokenizer.json, for each post-processor. */
class TokenizerSpecTest {

  private static TokenizerSpec parse(String json) {
    return TokenizerSpec.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void bertWordPieceFromTheBundledMiniLmTokenizer() {
    TokenizerSpec s = TokenizerSpec.parse(TextTokenizer.readBundled());
    assertEquals(new TokenizerSpec(101, "[CLS]", 102, "[SEP]", 0, 30522), s);
  }

  @Test
  void robertaProcessingAndASequenceHoldingIt() {
    String vocab = "\"model\": {\"type\": \"BPE\", \"vocab\": {\"<s>\": 0, \"<pad>\": 1,"
        + " \"</s>\": 2, \"a\": 3}}, \"added_tokens\": [{\"id\": 1, \"content\": \"<pad>\"},"
        + " {\"id\": 4, \"content\": \"<mask>\"}]";
    String roberta = "{\"type\": \"RobertaProcessing\", \"sep\": [\"</s>\", 2], \"cls\": [\"<s>\","
        + " 0], \"trim_offsets\": true}";
    TokenizerSpec expected = new TokenizerSpec(0, "<s>", 2, "</s>", 1, 5);
    assertEquals(expected, parse("{\"post_processor\": " + roberta + ", " + vocab + "}"));
    assertEquals(expected, parse("{\"post_processor\": {\"type\": \"Sequence\", \"processors\":"
        + " [{\"type\": \"ByteLevel\"}, " + roberta + "]}, " + vocab + "}"));
  }

  @Test
  void templatesOtherThanOneSpecialEachSideAreRefused() {
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
        () -> parse("{\"post_processor\": null, \"model\": {\"vocab\": {\"a\": 0}}}"));
    assertEquals("its post_processor is null: nothing puts a special token ([CLS], <s>) before"
        + " the text and one ([SEP], </s>) after it, as the encoder expects", none.getMessage());
    IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
        () -> parse("{\"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": ["
            + "{\"SpecialToken\": {\"id\": \"[CLS]\"}}, {\"Sequence\": {\"id\": \"A\"}},"
            + " {\"SpecialToken\": {\"id\": \"[SEP]\"}}, {\"SpecialToken\": {\"id\": \"[SEP]\"}}"
            + "]}, \"model\": {\"vocab\": {\"a\": 0}}}"));
    assertEquals(true, two.getMessage().startsWith("its TemplateProcessing single template is"),
        two.getMessage());
  }
}
