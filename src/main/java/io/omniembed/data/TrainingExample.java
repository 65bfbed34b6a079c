package io.omniembed.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One training example: a query, its positive and zero or more hard negatives, under a task. In
 * data files (JSONL, or Parquet rendered to JSON) the three are items, or plain strings as a
 * shorthand for text items:
 * <pre>
 *   {"task": "code-doc2code", "query": "Reverses a string.", "positive": {"text": "..."},
 *    "negatives": ["...", {"parts": [...]}]}
 * </pre>
 */
public record TrainingExample(String task, Item query, Item positive, List<Item> negatives) {

  public TrainingExample {
    negatives = List.copyOf(negatives);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The fields every training record has ({@code negatives} is optional). */
  public static final List<String> REQUIRED_FIELDS = List.of("task", "query", "positive");

  /**
   * Refuses a table (Parquet columns) that cannot hold training records, before any work;
   * {@code what} names the input in the message ("training data PATH").
   */
  public static void checkColumns(String what, List<String> columns) {
    for (String c : REQUIRED_FIELDS) {
      if (!columns.contains(c)) {
        throw new IllegalArgumentException(what + ": missing column '" + c + "' (found "
            + columns + ")");
      }
    }
  }

  /** Parses one record, or throws IllegalArgumentException saying what is wrong with it. */
  public static TrainingExample parse(String json) {
    String unreadable = ItemParser.unreadableReason(json);
    if (unreadable != null) {
      throw new IllegalArgumentException(unreadable);
    }
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("record is not a JSON object");
    }
    JsonNode task = node.get("task");
    if (task == null || !task.isTextual() || task.asText().isBlank()) {
      throw new IllegalArgumentException("missing column 'task' (a non-empty string)");
    }
    Item query = item(node, "query", "q");
    Item positive = item(node, "positive", "p");
    List<Item> negatives = new ArrayList<>();
    JsonNode negs = node.get("negatives");
    if (negs != null && !negs.isNull()) {
      if (!negs.isArray()) {
        throw new IllegalArgumentException("'negatives' must be a list");
      }
      for (int i = 0; i < negs.size(); i++) {
        negatives.add(toItem(negs.get(i), "negatives[" + i + "]", "n" + i));
      }
    }
    return new TrainingExample(task.asText(), query, positive, negatives);
  }

  private static Item item(JsonNode node, String field, String id) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("missing column '" + field + "'");
    }
    return toItem(v, "'" + field + "'", id);
  }

  private static Item toItem(JsonNode v, String what, String id) {
    if (v.isTextual()) {
      if (v.asText().isBlank()) {
        throw new IllegalArgumentException(what + " is empty");
      }
      return Item.text(id, v.asText());
    }
    if (!v.isObject()) {
      throw new IllegalArgumentException(what + " must be a string or an item object");
    }
    ObjectNode copy = ((ObjectNode) v).deepCopy();
    if (!copy.has("id") && !copy.has("_id")) {
      copy.put("id", id);
    }
    ItemParser.Result r = ItemParser.parse(copy);
    if (r instanceof ItemParser.Bad bad) {
      throw new IllegalArgumentException(what + ": " + bad.reason());
    }
    return ((ItemParser.Ok) r).item();
  }
}
