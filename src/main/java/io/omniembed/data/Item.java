package io.omniembed.data;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A unit of content to embed: an id and an ordered list of parts of any modality, interleaved.
 * A plain text item is one {@link Part.Text}.
 */
public record Item(String id, List<Part> parts) {

  public Item {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("item id must be a non-empty string");
    }
    parts = List.copyOf(parts);
  }

  public static Item text(String id, String text) {
    return new Item(id, List.of(new Part.Text(text)));
  }

  /**
   * The item with {@code prompt} (a task string such as "query: ") before its content: prepended
   * to the text of a text item, a leading text part of one with media. The same rule serves
   * training's task strings and inference's prompts, so a model sees at inference what it was
   * trained with. An empty prompt leaves the item as it is.
   */
  public Item withPrompt(String prompt) {
    if (prompt == null || prompt.isEmpty()) {
      return this;
    }
    if (isTextOnly()) {
      return text(id, prompt + joinedText());
    }
    List<Part> withIt = new java.util.ArrayList<>(parts.size() + 1);
    withIt.add(new Part.Text(prompt.strip()));
    withIt.addAll(parts);
    return new Item(id, withIt);
  }

  /** True when every part is text. */
  public boolean isTextOnly() {
    return parts.stream().allMatch(p -> p instanceof Part.Text);
  }

  /** The text parts joined by a space, in order. */
  public String joinedText() {
    return parts.stream()
        .filter(p -> p instanceof Part.Text)
        .map(p -> ((Part.Text) p).text())
        .collect(Collectors.joining(" "));
  }
}
