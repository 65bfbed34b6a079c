package io.omniembed.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model says about itself beside its weights: its prompts, the task strings that
 * sentence-transformers' {@code config_sentence_transformers.json} names ({@code query} → {@code
 * "query: "} for E5), the prompt used when none is asked for, and notes on how it was imported
 * (for example that the source had no Normalize module while the project's vectors are always
 * L2-normalised). Checkpoints keep it, so a model fine-tuned from an import still carries them.
 *
 * @param prompts           prompt name → the text put before an input, in the source's order
 * @param defaultPromptName the prompt used when none is named; null for none
 * @param notes             one sentence each, for reports and metadata
 */
public record ModelCard(Map<String, String> prompts, String defaultPromptName,
    List<String> notes) {

  /** A model with no prompts and nothing to note. */
  public static final ModelCard NONE = new ModelCard(Map.of(), null, List.of());

  public ModelCard {
    prompts = Collections.unmodifiableMap(new LinkedHashMap<>(prompts));
    notes = List.copyOf(notes);
    if (defaultPromptName != null && !prompts.containsKey(defaultPromptName)) {
      throw new IllegalArgumentException("default prompt '" + defaultPromptName + "' is not"
          + " among the prompts " + prompts.keySet());
    }
  }

  /**
   * The text of prompt {@code name}; refuses an unknown name, listing the model's prompts.
   * {@code model} names the model in the message.
   */
  public String prompt(String name, String model) {
    String text = prompts.get(name);
    if (text == null) {
      throw new IllegalArgumentException("model " + model + " has no prompt '" + name + "'"
          + (prompts.isEmpty() ? " (it has none; give the text with --prompt-text)"
              : " (it has " + String.join(", ", prompts.keySet()) + ")"));
    }
    return text;
  }

  /** This card with {@code more} prompts added (a name already here keeps its text). */
  public ModelCard withPrompts(Map<String, String> more) {
    Map<String, String> all = new LinkedHashMap<>(prompts);
    more.forEach(all::putIfAbsent);
    return new ModelCard(all, defaultPromptName, notes);
  }

  public boolean isEmpty() {
    return prompts.isEmpty() && defaultPromptName == null && notes.isEmpty();
  }
}
