package io.omniembed.data.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the encoder needs to know of a {@code tokenizer.json} beyond what the tokenizer library
 * does with it: the special tokens its post-processor puts around a single text, the padding
 * token, and how many ids the vocabulary has. BERT's WordPiece files give [CLS] 101 / [SEP] 102
 * / [PAD] 0; XLM-RoBERTa's SentencePiece files give &lt;s&gt; 0 / &lt;/s&gt; 2 / &lt;pad&gt; 1.
 * Nothing here assumes either.
 *
 * <p>Post-processors read: {@code BertProcessing} and {@code RobertaProcessing} ({@code cls} and
 * {@code sep} as [token, id]); {@code TemplateProcessing} whose {@code single} template is one
 * special token, the sequence, one special token; a {@code Sequence} holding one of these. Any
 * other template (none, or several tokens on a side) is refused: the encoder's sequences, and
 * the media items built around them, are exactly one special token, the content, one special
 * token.
 *
 * @param clsId      id of the token before the text ([CLS], &lt;s&gt;); CLS pooling reads its state
 * @param clsToken   its text
 * @param sepId      id of the token after the text ([SEP], &lt;/s&gt;)
 * @param sepToken   its text
 * @param padId      id of the padding token ({@code padding.pad_id}, else the added token
 *                   [PAD] or &lt;pad&gt;); -1 when the file names none. Batches are masked, so
 *                   padding ids never change a vector; this is for exporters and other runtimes.
 * @param vocabSize  one more than the largest id the tokenizer can produce (model vocabulary and
 *                   added tokens)
 */
public record TokenizerSpec(int clsId, String clsToken, int sepId, String sepToken, int padId,
    int vocabSize) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads the specials and vocabulary size of {@code tokenizer.json} bytes. */
  public static TokenizerSpec parse(byte[] json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a tokenizer.json object");
    }
    JsonNode[] specials = specials(root.path("post_processor"));
    return new TokenizerSpec(specials[0].get(1).asInt(), specials[0].get(0).asText(),
        specials[1].get(1).asInt(), specials[1].get(0).asText(), padId(root), vocabSize(root));
  }

  /** [cls, sep], each a [token, id] pair. */
  private static JsonNode[] specials(JsonNode processor) {
    if (processor.isMissingNode() || processor.isNull()) {
      throw new IllegalArgumentException("its post_processor is null: nothing puts a special"
          + " token ([CLS], <s>) before the text and one ([SEP], </s>) after it, as the encoder"
          + " expects");
    }
    String type = processor.path("type").asText();
    switch (type) {
      case "BertProcessing", "RobertaProcessing" -> {
        JsonNode cls = processor.path("cls");
        JsonNode sep = processor.path("sep");
        if (!pair(cls) || !pair(sep)) {
          throw new IllegalArgumentException("its " + type + " post_processor lacks cls or sep"
              + " as [token, id]");
        }
        return new JsonNode[] {cls, sep};
      }
      case "TemplateProcessing" -> {
        return template(processor);
      }
      case "Sequence" -> {
        List<JsonNode[]> found = new ArrayList<>();
        for (JsonNode p : processor.path("processors")) {
          String t = p.path("type").asText();
          if (t.equals("BertProcessing") || t.equals("RobertaProcessing")
              || t.equals("TemplateProcessing")) {
            found.add(specials(p));
          }
        }
        if (found.size() != 1) {
          throw new IllegalArgumentException("its Sequence post_processor holds " + found.size()
              + " processors that add special tokens; exactly one is read");
        }
        return found.get(0);
      }
      default -> throw new IllegalArgumentException("its post_processor has type '" + type
          + "'; read are BertProcessing, RobertaProcessing and TemplateProcessing");
    }
  }

  private static JsonNode[] template(JsonNode processor) {
    JsonNode single = processor.path("single");
    if (single.size() != 3 || !single.get(0).has("SpecialToken")
        || !single.get(1).has("Sequence") || !single.get(2).has("SpecialToken")) {
      throw new IllegalArgumentException("its TemplateProcessing single template is " + single
          + "; the encoder reads one special token, the text, one special token");
    }
    JsonNode[] out = new JsonNode[2];
    for (int i = 0; i < 2; i++) {
      String name = single.get(i * 2).path("SpecialToken").path("id").asText();
      JsonNode ids = processor.path("special_tokens").path(name).path("ids");
      if (ids.size() != 1) {
        throw new IllegalArgumentException("its TemplateProcessing special token '" + name
            + "' has ids " + ids + "; exactly one id is read");
      }
      out[i] = JSON.createArrayNode().add(name).add(ids.get(0).asInt());
    }
    return out;
  }

  private static boolean pair(JsonNode n) {
    return n.isArray() && n.size() == 2 && n.get(0).isTextual() && n.get(1).canConvertToInt();
  }

  private static int padId(JsonNode root) {
    JsonNode padding = root.path("padding");
    if (padding.isObject() && padding.has("pad_id")) {
      return padding.get("pad_id").asInt();
    }
    for (JsonNode t : root.path("added_tokens")) {
      String content = t.path("content").asText();
      if (content.equals("[PAD]") || content.equals("<pad>")) {
        return t.path("id").asInt();
      }
    }
    return -1;
  }

  private static int vocabSize(JsonNode root) {
    JsonNode vocab = root.path("model").path("vocab");
    int max = -1;
    if (vocab.isArray()) {
      max = vocab.size() - 1;     // Unigram: [[piece, score], ...], the id is the index
    } else {
      for (JsonNode id : vocab) { // WordPiece, BPE, WordLevel: {token: id}
        max = Math.max(max, id.asInt());
      }
    }
    for (JsonNode t : root.path("added_tokens")) {
      max = Math.max(max, t.path("id").asInt());
    }
    if (max < 0) {
      throw new IllegalArgumentException("its model has no vocabulary");
    }
    return max + 1;
  }
}
