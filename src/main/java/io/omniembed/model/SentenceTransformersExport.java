package io.omniembed.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TokenizerSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A text model as the folder the Python sentence-transformers library loads, and that {@code
 * hf:PATH} imports back to the same vectors ({@link HfImport} reads every file written here):
 * <pre>
 *   config.json                        BertModel (positions from 0) or RobertaModel ({@link
 *                                      HfConfig#of}); one token type, the text row
 *   model.safetensors                  the encoder under BertModel's names ({@link
 *                                      HfWeightMapping#weights}), F32, Linear weights [out, in]
 *   tokenizer.json                     the model's own tokenizer, byte for byte
 *   tokenizer_config.json              PreTrainedTokenizerFast over tokenizer.json, its special
 *                                      tokens, model_max_length = max_length
 *   modules.json                       Transformer "", Pooling 1_Pooling, Dense 2_Dense,
 *                                      Normalize 3_Normalize
 *   sentence_bert_config.json          max_seq_length = max_length, do_lower_case false
 *   1_Pooling/config.json              mean or CLS, as the model pools
 *   2_Dense/config.json, model.safetensors   the projection: linear.weight [out, in], bias,
 *                                      identity activation
 *   3_Normalize/                       empty, as sentence-transformers saves it
 *   config_sentence_transformers.json  the model's prompts (a checkpoint's task strings), its
 *                                      default prompt, cosine similarity
 * </pre>
 * The tokenizer class is the generic fast tokenizer so that transformers uses tokenizer.json as
 * it is: {@code BertTokenizerFast} would rebuild the file's normaliser from its own {@code
 * do_lower_case} option, and sentence-transformers' {@code do_lower_case} would lowercase the
 * text a second time (and a cased model's text at all); the normaliser in tokenizer.json already
 * does what the model was trained with. Matryoshka dimensions have no place in these files; the
 * full output dimension is what the folder embeds.
 *
 * <p>Refused, in one line each: a model with media towers (the format holds a text encoder),
 * and a position offset other than 0 whose tokenizer's padding id is not {@code offset - 1}
 * (Hugging Face numbers RoBERTa positions from pad_token_id + 1, and from that alone).
 */
public final class SentenceTransformersExport {

  public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  public static final String DENSE_CONFIG = SentenceTransformerModules.DENSE + "/config.json";
  public static final String DENSE_WEIGHTS = SentenceTransformerModules.DENSE
      + "/model.safetensors";
  public static final String NORMALIZE = "3_Normalize";

  /** What transformers checks in a safetensors file's metadata: PyTorch tensors. */
  private static final Map<String, String> PT = Map.of("format", "pt");
  private static final ObjectMapper JSON = new ObjectMapper();

  private SentenceTransformersExport() {}

  /**
   * The folder of {@code model}: file name → bytes, in writing order; a name ending in {@code /}
   * is an empty folder. Refusals name the model by its id.
   */
  public static Map<String, byte[]> files(LoadedModel model) {
    return files(model, model.modelId());
  }

  /** As {@link #files(LoadedModel)}, refusals naming the model {@code name}, as a user gave it. */
  public static Map<String, byte[]> files(LoadedModel model, String name) {
    Encoder encoder = model.encoder();
    ModelConfig c = encoder.config();
    if (c.hasMedia()) {
      throw new IllegalArgumentException("model " + name + " has image, audio and"
          + " video towers; the sentence-transformers format holds a text encoder only (export"
          + " it with --format onnx)");
    }
    TokenizerSpec spec = TokenizerSpec.parse(model.tokenizerJson());
    if (c.positionOffset() != 0 && spec.padId() != c.positionOffset() - 1) {
      throw new IllegalArgumentException("model " + name + " has position_offset "
          + c.positionOffset() + ": Hugging Face expresses an offset only as RoBERTa's"
          + " pad_token_id + 1, but its tokenizer's padding id is " + spec.padId() + ", not "
          + (c.positionOffset() - 1));
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(HfImport.CONFIG, HfConfig.of(c).toJson(spec.padId()));
    files.put(HfImport.SAFETENSORS, Safetensors.writeF32(HfWeightMapping.weights(encoder), PT));
    files.put(HfImport.TOKENIZER, model.tokenizerJson());
    files.put(TOKENIZER_CONFIG, json(tokenizerConfig(model.tokenizerJson(), spec,
        c.maxLength())));
    files.put(SentenceTransformerModules.MODULES, json(modules()));
    files.put(SentenceTransformerModules.BERT_CONFIG, json(JSON.createObjectNode()
        .put("max_seq_length", c.maxLength()).put("do_lower_case", false)));
    files.put(SentenceTransformerModules.POOLING, json(pooling(c)));
    files.put(DENSE_CONFIG, json(JSON.createObjectNode().put("in_features", c.hidden())
        .put("out_features", c.outputDim()).put("bias", true)
        .put("activation_function", "torch.nn.modules.linear.Identity")));
    files.put(DENSE_WEIGHTS, Safetensors.writeF32(HfWeightMapping.dense(encoder), PT));
    files.put(NORMALIZE + "/", new byte[0]);
    files.put(SentenceTransformerModules.PROMPTS, json(prompts(model.card())));
    return files;
  }

  /** The pipeline, as sentence-transformers' {@code save} writes modules.json. */
  private static ArrayNode modules() {
    ArrayNode modules = JSON.createArrayNode();
    List<String[]> pipeline = List.of(new String[] {"", "Transformer"},
        new String[] {"1_Pooling", "Pooling"},
        new String[] {SentenceTransformerModules.DENSE, "Dense"},
        new String[] {NORMALIZE, "Normalize"});
    for (int i = 0; i < pipeline.size(); i++) {
      modules.addObject().put("idx", i).put("name", String.valueOf(i))
          .put("path", pipeline.get(i)[0])
          .put("type", "sentence_transformers.models." + pipeline.get(i)[1]);
    }
    return modules;
  }

  /** 1_Pooling/config.json: every mode sentence-transformers knows, the model's one set. */
  private static ObjectNode pooling(ModelConfig c) {
    ObjectNode p = JSON.createObjectNode();
    p.put("word_embedding_dimension", c.hidden());
    p.put("pooling_mode_cls_token", c.pooling() == ModelConfig.Pooling.CLS);
    p.put("pooling_mode_mean_tokens", c.pooling() == ModelConfig.Pooling.MEAN);
    p.put("pooling_mode_max_tokens", false);
    p.put("pooling_mode_mean_sqrt_len_tokens", false);
    p.put("pooling_mode_weightedmean_tokens", false);
    p.put("pooling_mode_lasttoken", false);
    p.put("include_prompt", true);
    return p;
  }

  /** config_sentence_transformers.json: prompts in the card's order, cosine similarity. */
  private static ObjectNode prompts(ModelCard card) {
    ObjectNode st = JSON.createObjectNode();
    ObjectNode prompts = st.putObject("prompts");
    card.prompts().forEach(prompts::put);
    if (card.defaultPromptName() == null) {
      st.putNull("default_prompt_name");
    } else {
      st.put("default_prompt_name", card.defaultPromptName());
    }
    st.put("similarity_fn_name", "cosine");
    return st;
  }

  /**
   * tokenizer_config.json: the generic fast tokenizer over tokenizer.json, with the special
   * tokens it needs to pad and that callers look up by role (cls, sep, pad, unk, mask), each
   * found in the file.
   */
  private static ObjectNode tokenizerConfig(byte[] tokenizerJson, TokenizerSpec spec,
      int maxLength) {
    JsonNode t;
    try {
      t = JSON.readTree(tokenizerJson);
    } catch (IOException e) {
      throw new UncheckedIOException(e);   // TokenizerSpec.parse has read it already
    }
    ObjectNode c = JSON.createObjectNode();
    c.put("tokenizer_class", "PreTrainedTokenizerFast");
    c.put("model_max_length", maxLength);
    c.put("cls_token", spec.clsToken());
    c.put("sep_token", spec.sepToken());
    String pad = null;
    String mask = null;
    for (JsonNode a : t.path("added_tokens")) {
      String content = a.path("content").asText();
      if (a.path("id").asInt(-2) == spec.padId()) {
        pad = content;
      }
      if (content.equals("[MASK]") || content.equals("<mask>")) {
        mask = content;
      }
    }
    if (pad != null) {
      c.put("pad_token", pad);
    }
    String unk = unknownToken(t.path("model"));
    if (unk != null) {
      c.put("unk_token", unk);
    }
    if (mask != null) {
      c.put("mask_token", mask);
    }
    return c;
  }

  /** The unknown token of a tokenizer model: WordPiece's unk_token, Unigram's piece unk_id. */
  private static String unknownToken(JsonNode model) {
    if (model.path("unk_token").isTextual()) {
      return model.get("unk_token").asText();
    }
    JsonNode id = model.path("unk_id");
    JsonNode vocab = model.path("vocab");
    if (id.canConvertToInt() && vocab.isArray() && id.asInt() >= 0 && id.asInt() < vocab.size()) {
      return vocab.get(id.asInt()).path(0).asText();
    }
    return null;
  }

  private static byte[] json(JsonNode n) {
    return (n.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
