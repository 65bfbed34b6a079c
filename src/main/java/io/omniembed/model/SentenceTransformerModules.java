package io.omniembed.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.config.ModelConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sentence-transformers modules of a Hugging Face folder, which turn the encoder's hidden
 * states into the model's vectors, and its prompts:
 * <pre>
 *   modules.json                        the pipeline: Transformer, Pooling, [Dense], [Normalize]
 *   1_Pooling/config.json               pooling_mode_cls_token | pooling_mode_mean_tokens
 *   2_Dense/config.json + model.safetensors   in/out features, bias, identity activation
 *   config_sentence_transformers.json   prompts and default_prompt_name
 *   sentence_bert_config.json           max_seq_length
 * </pre>
 * The encoder computes exactly this pipeline: pooling, then the projection (the Dense module, or
 * identity), then L2 normalisation. What it cannot compute is refused by name (max, mean_sqrt_len,
 * weightedmean and lasttoken pooling; Dense activations other than identity; other modules); a
 * folder without modules.json is a plain Hugging Face model, pooled as sentence-transformers
 * would pool it. The project's vectors are always L2-normalised: a source without a Normalize
 * module gets a note saying so.
 *
 * @param pooling           CLS or mean
 * @param densePath         the Dense module's folder ({@code 2_Dense}); null for none
 * @param normalize         whether the source normalises its vectors
 * @param prompts           prompt name → text, from config_sentence_transformers.json
 * @param defaultPromptName its default_prompt_name, or null
 * @param maxSeqLength      sentence_bert_config.json's max_seq_length; 0 when absent
 * @param notes             what the import changed or assumed
 */
public record SentenceTransformerModules(ModelConfig.Pooling pooling, String densePath,
    boolean normalize, Map<String, String> prompts, String defaultPromptName, int maxSeqLength,
    List<String> notes) {

  public static final String MODULES = "modules.json";
  public static final String POOLING = "1_Pooling/config.json";
  public static final String DENSE = "2_Dense";
  public static final String PROMPTS = "config_sentence_transformers.json";
  public static final String BERT_CONFIG = "sentence_bert_config.json";

  static final String NO_NORMALIZE = "the source has no Normalize module; its vectors are"
      + " L2-normalised here (cosine similarities are the source's, dot products are cosines)";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads the modules of {@code files}; {@code hidden} is the encoder's width. */
  public static SentenceTransformerModules read(ModelFiles files, int hidden) throws IOException {
    List<String> notes = new ArrayList<>();
    String poolingPath = null;
    String densePath = null;
    boolean normalize = false;
    if (files.exists(MODULES)) {
      String origin = files.path(MODULES);
      JsonNode modules = json(files, MODULES);
      if (!modules.isArray() || modules.isEmpty()) {
        throw new IOException(origin + ": not a list of modules");
      }
      List<String> order = new ArrayList<>();
      for (JsonNode m : modules) {
        String type = m.path("type").asText("");
        String kind = type.substring(type.lastIndexOf('.') + 1);
        String path = m.path("path").asText("");
        switch (kind) {
          case "Transformer" -> {
            if (!order.isEmpty() || !path.isEmpty()) {
              throw new IOException(origin + ": the Transformer must be the first module and be"
                  + " the folder itself (path \"\"), got path '" + path + "'");
            }
          }
          case "Pooling" -> poolingPath = path + "/config.json";
          case "Dense" -> {
            if (densePath != null) {
              throw new IOException(origin + ": more than one Dense module; one is read");
            }
            densePath = path;
          }
          case "Normalize" -> normalize = true;
          default -> throw new IOException(origin + ": module " + type + " is not supported;"
              + " read are Transformer, Pooling, Dense and Normalize");
        }
        order.add(kind);
      }
      List<String> kinds = List.of("Transformer", "Pooling", "Dense", "Normalize");
      int last = -1;
      for (String k : order) {
        int at = kinds.indexOf(k);
        if (at <= last) {
          throw new IOException(origin + ": modules " + order + " are not in the order"
              + " Transformer, Pooling, [Dense], [Normalize]");
        }
        last = at;
      }
      if (poolingPath == null) {
        throw new IOException(origin + ": no Pooling module");
      }
    } else {
      poolingPath = files.exists(POOLING) ? POOLING : null;
      densePath = files.exists(DENSE + "/config.json") ? DENSE : null;
    }
    ModelConfig.Pooling pooling;
    if (poolingPath == null) {
      pooling = ModelConfig.Pooling.MEAN;
      notes.add("no sentence-transformers Pooling module; mean pooling, as sentence-transformers"
          + " pools a plain Hugging Face model");
    } else {
      pooling = pooling(files, poolingPath, hidden);
    }
    if (!normalize) {
      notes.add(NO_NORMALIZE);
    }
    Map<String, String> prompts = new LinkedHashMap<>();
    String defaultPrompt = null;
    if (files.exists(PROMPTS)) {
      JsonNode p = json(files, PROMPTS);
      for (Iterator<Map.Entry<String, JsonNode>> it = p.path("prompts").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        prompts.put(e.getKey(), e.getValue().asText());
      }
      JsonNode d = p.path("default_prompt_name");
      if (!d.isMissingNode() && !d.isNull()) {
        defaultPrompt = d.asText();
        if (!prompts.containsKey(defaultPrompt)) {
          throw new IOException(files.path(PROMPTS) + ": default_prompt_name '" + defaultPrompt
              + "' is not among its prompts " + prompts.keySet());
        }
      }
    }
    int maxSeq = 0;
    if (files.exists(BERT_CONFIG)) {
      maxSeq = json(files, BERT_CONFIG).path("max_seq_length").asInt(0);
    }
    return new SentenceTransformerModules(pooling, densePath, normalize, prompts, defaultPrompt,
        maxSeq, notes);
  }

  private static ModelConfig.Pooling pooling(ModelFiles files, String path, int hidden)
      throws IOException {
    String origin = files.path(path);
    if (!files.exists(path)) {
      throw new IOException(origin + ": no such file (modules.json names a Pooling module"
          + " there)");
    }
    JsonNode c = json(files, path);
    int dim = c.path("word_embedding_dimension").asInt(hidden);
    if (dim != hidden) {
      throw new IOException(origin + ": word_embedding_dimension " + dim + " is not the"
          + " encoder's hidden_size " + hidden);
    }
    List<String> modes = new ArrayList<>();
    if (c.has("pooling_mode") && c.get("pooling_mode").isTextual()) {
      modes.add(c.get("pooling_mode").asText());
    } else {
      for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().startsWith("pooling_mode_") && e.getValue().asBoolean(false)) {
          modes.add(e.getKey().substring("pooling_mode_".length()).replaceAll("_tokens?$", ""));
        }
      }
    }
    if (modes.isEmpty()) {
      throw new IOException(origin + ": no pooling mode is set");
    }
    if (modes.size() > 1) {
      throw new IOException(origin + ": pooling modes " + String.join(" + ", modes)
          + " (concatenated) are not supported; supported: cls, mean");
    }
    if (!c.path("include_prompt").asBoolean(true)) {
      throw new IOException(origin + ": include_prompt false (prompt tokens left out of the"
          + " pooling) is not supported");
    }
    return switch (modes.get(0)) {
      case "cls" -> ModelConfig.Pooling.CLS;
      case "mean" -> ModelConfig.Pooling.MEAN;
      default -> throw new IOException(origin + ": pooling mode " + modes.get(0) + " is not"
          + " supported; supported: cls, mean");
    };
  }

  /**
   * The Dense module at {@link #densePath}: its config checked against {@code hidden} (in
   * features, identity activation), its weights from {@code model.safetensors} as [in, out].
   */
  public HfWeightMapping.Dense dense(ModelFiles files, int hidden) throws IOException {
    if (densePath == null) {
      return null;
    }
    String configPath = densePath + "/config.json";
    String origin = files.path(configPath);
    if (!files.exists(configPath)) {
      throw new IOException(origin + ": no such file (modules.json names a Dense module there)");
    }
    JsonNode c = json(files, configPath);
    int in = c.path("in_features").asInt(-1);
    int out = c.path("out_features").asInt(-1);
    boolean bias = c.path("bias").asBoolean(true);
    String activation = c.path("activation_function").asText("");
    if (in != hidden) {
      throw new IOException(origin + ": in_features " + in + " is not the encoder's"
          + " hidden_size " + hidden);
    }
    if (out <= 0) {
      throw new IOException(origin + ": out_features must be > 0, got " + out);
    }
    if (!activation.endsWith("Identity")) {
      throw new IOException(origin + ": activation_function '" + activation + "' is not"
          + " supported; the projection is linear (torch.nn.modules.linear.Identity)");
    }
    String weightsPath = densePath + "/model.safetensors";
    String weightsOrigin = files.path(weightsPath);
    if (!files.exists(weightsPath)) {
      throw new IOException(weightsOrigin + ": no such file (the Dense weights are read from"
          + " model.safetensors; pytorch_model.bin is a Python pickle and is not read)");
    }
    try (Safetensors.Source source = files.open(weightsPath)) {
      Safetensors st = Safetensors.open(source, weightsOrigin);
      if (!st.has("linear.weight")) {
        throw new IOException(weightsOrigin + ": no tensor linear.weight");
      }
      FloatTensor w = st.tensor("linear.weight");
      if (w.dims().length != 2 || w.dims()[0] != out || w.dims()[1] != in) {
        throw new IOException(weightsOrigin + ": linear.weight has shape " + w.shape()
            + ", config.json implies [" + out + ", " + in + "]");
      }
      FloatTensor b;
      if (bias) {
        if (!st.has("linear.bias")) {
          throw new IOException(weightsOrigin + ": no tensor linear.bias (config.json says bias"
              + " true)");
        }
        b = st.tensor("linear.bias");
      } else {
        b = new FloatTensor("linear.bias", new long[] {out}, new float[out]);
      }
      return new HfWeightMapping.Dense(w.transposed(), b, weightsOrigin);
    }
  }

  /** The model card of these modules. */
  public ModelCard card() {
    return new ModelCard(prompts, defaultPromptName, notes);
  }

  private static JsonNode json(ModelFiles files, String path) throws IOException {
    byte[] bytes = files.read(path);
    JsonNode n;
    try {
      n = JSON.readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(files.path(path) + ": not JSON (" + e.getOriginalMessage() + ")", e);
    }
    if (n == null || n.isMissingNode()) {
      throw new IOException(files.path(path) + ": empty");
    }
    return n;
  }
}
