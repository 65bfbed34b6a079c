package io.omniembed.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.config.ModelConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture in a Hugging Face {@code config.json}, for the model types whose layout the
 * project's encoder computes exactly: post-LayerNorm transformer, absolute position table, exact
 * (erf) GELU.
 *
 * <pre>
 *   bert          BERT, MiniLM, BGE, E5, ...   positions from 0
 *   roberta       RoBERTa                      positions from pad_token_id + 1
 *   xlm-roberta   XLM-RoBERTa (multilingual E5, BGE-M3's encoder, ...), likewise
 * </pre>
 * RoBERTa's embeddings number the positions of a sequence padding_idx + 1, + 2, ... (rows up to
 * padding_idx belong to padding), so those models get {@code position_offset = pad_token_id + 1}
 * and a longest sequence of {@code max_position_embeddings - position_offset} tokens.
 *
 * <p>{@link #of} and {@link #toJson} write the file back for an export: {@code bert} for a model
 * whose positions start at 0, {@code roberta} with {@code pad_token_id = position_offset - 1}
 * otherwise, so that {@link #parse} reads the same architecture and offset again.
 *
 * @param modelType     {@code model_type}
 * @param vocabSize     {@code vocab_size}, rows of the token table
 * @param hidden        {@code hidden_size}
 * @param layers        {@code num_hidden_layers}
 * @param heads         {@code num_attention_heads}
 * @param ffn           {@code intermediate_size}
 * @param maxPositions  {@code max_position_embeddings}, rows of the position table
 * @param typeVocabSize {@code type_vocab_size}, rows of the token-type table (2 for BERT, 1 for
 *                      XLM-RoBERTa); row 0 is the text row
 * @param layerNormEps  {@code layer_norm_eps}
 * @param positionOffset the first position row a sequence reads
 */
public record HfConfig(String modelType, int vocabSize, int hidden, int layers, int heads, int ffn,
    int maxPositions, int typeVocabSize, double layerNormEps, int positionOffset) {

  /** The {@code model_type}s read, each a BERT-family post-LN encoder. */
  public static final List<String> SUPPORTED = List.of("bert", "roberta", "xlm-roberta");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Parses {@code config.json} bytes; {@code origin} (its path) starts every error. */
  public static HfConfig parse(byte[] json, String origin) throws IOException {
    JsonNode c;
    try {
      c = JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(origin + ": not JSON (" + e.getOriginalMessage() + ")");
    }
    if (c == null || !c.isObject()) {
      throw new IOException(origin + ": not a JSON object");
    }
    String type = c.path("model_type").asText("");
    if (!SUPPORTED.contains(type)) {
      List<String> architectures = new ArrayList<>();
      c.path("architectures").forEach(a -> architectures.add(a.asText()));
      throw new IOException(origin + ": model_type '" + type + "'"
          + (architectures.isEmpty() ? "" : " (architectures " + architectures + ")")
          + " is not supported; supported: " + String.join(", ", SUPPORTED));
    }
    String act = c.path("hidden_act").asText("gelu");
    if (!act.equals("gelu")) {
      throw new IOException(origin + ": hidden_act '" + act + "' is not supported; the encoder"
          + " computes the exact (erf) GELU, hidden_act 'gelu'");
    }
    String positions = c.path("position_embedding_type").asText("absolute");
    if (!positions.equals("absolute")) {
      throw new IOException(origin + ": position_embedding_type '" + positions + "' is not"
          + " supported; the encoder has an absolute position table");
    }
    if (c.path("is_decoder").asBoolean(false)) {
      throw new IOException(origin + ": is_decoder is true; the encoder attends both ways");
    }
    int offset = type.equals("bert") ? 0 : integer(c, "pad_token_id", 1, origin) + 1;
    return new HfConfig(type, integer(c, "vocab_size", origin), integer(c, "hidden_size", origin),
        integer(c, "num_hidden_layers", origin), integer(c, "num_attention_heads", origin),
        integer(c, "intermediate_size", origin), integer(c, "max_position_embeddings", origin),
        integer(c, "type_vocab_size", 2, origin), c.path("layer_norm_eps").asDouble(1e-12),
        offset);
  }

  /**
   * The architecture of {@code c} as config.json states it: {@code bert} when positions start at
   * 0, else {@code roberta} (whose position ids start at pad_token_id + 1, the only offset a
   * Hugging Face layout expresses). One token type: the text modality row.
   */
  public static HfConfig of(ModelConfig c) {
    return new HfConfig(c.positionOffset() == 0 ? "bert" : "roberta", c.vocabSize(), c.hidden(),
        c.layers(), c.heads(), c.ffn(), c.maxPositions(), 1, c.layerNormEps(),
        c.positionOffset());
  }

  /**
   * config.json of this architecture for transformers' {@code AutoModel} ({@code BertModel} or
   * {@code RobertaModel}). {@code padTokenId} is the tokenizer's padding id (-1 for none); a
   * RoBERTa config's pad_token_id is always {@code positionOffset - 1}, which {@link #parse}
   * turns back into the offset.
   */
  public byte[] toJson(int padTokenId) {
    boolean bert = modelType.equals("bert");
    if (!bert && !modelType.equals("roberta")) {
      throw new IllegalArgumentException("config.json is written for bert or roberta, not "
          + modelType);
    }
    var c = JSON.createObjectNode();
    c.putArray("architectures").add(bert ? "BertModel" : "RobertaModel");
    c.put("model_type", modelType);
    c.put("hidden_size", hidden);
    c.put("num_hidden_layers", layers);
    c.put("num_attention_heads", heads);
    c.put("intermediate_size", ffn);
    c.put("hidden_act", "gelu");
    c.put("max_position_embeddings", maxPositions);
    c.put("position_embedding_type", "absolute");
    c.put("vocab_size", vocabSize);
    c.put("type_vocab_size", typeVocabSize);
    c.put("layer_norm_eps", layerNormEps);
    c.put("pad_token_id", bert ? Math.max(padTokenId, 0) : positionOffset - 1);
    c.put("torch_dtype", "float32");
    return (c.toPrettyString() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * The project's config of this architecture: {@code outputDim} (hidden, or a Dense module's
   * output), {@code maxLength} tokens per text, the pooling, and a four-row modality table
   * (text, image, audio, video) so media towers can be added later.
   */
  public ModelConfig toModelConfig(String name, int outputDim, int maxLength,
      ModelConfig.Pooling pooling) {
    return new ModelConfig(name, vocabSize, hidden, layers, heads, ffn, maxPositions, 4,
        outputDim, layerNormEps, maxLength, List.of(outputDim), null, pooling, positionOffset);
  }

  /** The longest sequence the position table allows. */
  public int maxSequence() {
    return maxPositions - positionOffset;
  }

  private static int integer(JsonNode c, String key, String origin) throws IOException {
    if (!c.has(key)) {
      throw new IOException(origin + ": no " + key);
    }
    return integer(c, key, 0, origin);
  }

  private static int integer(JsonNode c, String key, int absent, String origin)
      throws IOException {
    JsonNode v = c.path(key);
    if (v.isMissingNode() || v.isNull()) {
      return absent;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
      throw new IOException(origin + ": " + key + " must be a count, got " + v);
    }
    return v.asInt();
  }
}
