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
 * A distillation example (a task named {@code distill-*}) is a source sentence and its
 * translation with the frozen teacher's embedding of the source, which the student learns to
 * give both ({@code io.omniembed.loss.DistillationMseLoss}); {@code query} holds the source,
 * {@code positive} the translation, and there are no negatives:
 * <pre>
 *   {"task": "distill-de", "source": "No such file", "translation": "Datei nicht gefunden",
 *    "lang": "de", "teacher": [0.012, -0.094, ...]}
 * </pre>
 * A locked-text example (a task named {@code lit-*}) is a media pair — one side text only, the
 * other with media — with the frozen text teacher's embedding of its text side, which stands in
 * for that side in the contrast ({@code io.omniembed.loss.LockedTextNceLoss}); the text is kept
 * for the duplicate mask, and there are no negatives:
 * <pre>
 *   {"task": "lit-text2image", "query": {"text": "grinning face"},
 *    "positive": {"image": "/data/media/1f600.png"}, "teacher": [0.031, 0.207, ...]}
 * </pre>
 *
 * @param teacher the teacher's embedding of the source for a distillation example, of the text
 *                side for a locked-text example, else null
 */
public record TrainingExample(String task, Item query, Item positive, List<Item> negatives,
    float[] teacher) {

  public TrainingExample {
    negatives = List.copyOf(negatives);
  }

  /** A contrastive example (no teacher embedding). */
  public TrainingExample(String task, Item query, Item positive, List<Item> negatives) {
    this(task, query, positive, negatives, null);
  }

  /** The prefix of the names of distillation tasks. */
  public static final String DISTILL_PREFIX = "distill-";

  /** Whether {@code task} is a distillation task (its name starts with {@code distill-}). */
  public static boolean isDistillation(String task) {
    return task.startsWith(DISTILL_PREFIX);
  }

  /** The prefix of the names of locked-text tasks. */
  public static final String LOCKED_TEXT_PREFIX = "lit-";

  /** Whether {@code task} is a locked-text task (its name starts with {@code lit-}). */
  public static boolean isLockedText(String task) {
    return task.startsWith(LOCKED_TEXT_PREFIX);
  }

  /**
   * Whether the text side of this locked-text (or media) pair is the query: true when the query
   * is text only and the positive has media, false the other way round; an error when the pair
   * has not exactly one text-only side.
   */
  public boolean textIsQuery() {
    return textIsQuery(query, positive);
  }

  /** The text of the pair's text-only side ({@link #textIsQuery}). */
  public String text() {
    return (textIsQuery() ? query : positive).joinedText();
  }

  private static boolean textIsQuery(Item query, Item positive) {
    if (query.isTextOnly() == positive.isTextOnly()) {
      throw new IllegalArgumentException("a locked-text pair needs one text-only side and one"
          + " with media; " + (query.isTextOnly() ? "both sides are text" : "both sides have"
          + " media"));
    }
    return query.isTextOnly();
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The fields every training record has ({@code negatives} is optional). */
  public static final List<String> REQUIRED_FIELDS = List.of("task", "query", "positive");

  /**
   * Refuses a table (Parquet columns) that cannot hold training records, before any work;
   * {@code what} names the input in the message ("training data PATH").
   */
  public static void checkColumns(String what, List<String> columns) {
    if (columns.contains("source") && columns.contains("translation")
        && columns.contains("task")) {
      return;   // distillation rows
    }
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
    if (isLockedText(task.asText())) {
      return lockedText(task.asText(), node);
    }
    if (isDistillation(task.asText()) || node.has("teacher")) {
      return distillation(task.asText(), node);
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

  private static TrainingExample lockedText(String task, JsonNode node) {
    Item query = item(node, "query", "q");
    Item positive = item(node, "positive", "p");
    textIsQuery(query, positive);
    JsonNode negs = node.get("negatives");
    if (negs != null && !negs.isNull() && (!negs.isArray() || !negs.isEmpty())) {
      throw new IllegalArgumentException("task '" + task + "' is a locked-text task, which takes"
          + " no 'negatives' (the contrast is in-batch)");
    }
    JsonNode t = node.get("teacher");
    if (t == null || t.isNull()) {
      throw new IllegalArgumentException("task '" + task + "' is a locked-text task but the row"
          + " has no 'teacher' embedding of its text (embed the texts of lit-texts with the text"
          + " model and join them with join-teacher --lit)");
    }
    return new TrainingExample(task, query, positive, List.of(), vector(t));
  }

  /** A teacher embedding: a non-empty list of finite numbers. */
  private static float[] vector(JsonNode t) {
    if (!t.isArray() || t.isEmpty()) {
      throw new IllegalArgumentException("'teacher' must be a non-empty list of numbers");
    }
    float[] teacher = new float[t.size()];
    for (int i = 0; i < teacher.length; i++) {
      JsonNode v = t.get(i);
      if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
        throw new IllegalArgumentException("'teacher'[" + i + "] is not a finite number: " + v);
      }
      teacher[i] = (float) v.asDouble();
    }
    return teacher;
  }

  private static TrainingExample distillation(String task, JsonNode node) {
    if (!isDistillation(task)) {
      throw new IllegalArgumentException("'teacher' given for task '" + task + "', which is"
          + " neither a distillation task nor a locked-text one (their names start with "
          + DISTILL_PREFIX + " and " + LOCKED_TEXT_PREFIX + ")");
    }
    // source/translation, as make-parallel writes them; query/positive are taken as well.
    String sourceField = !node.has("source") && node.has("query") ? "query" : "source";
    String translationField = !node.has("translation") && node.has("positive") ? "positive"
        : "translation";
    Item source = item(node, sourceField, "s");
    Item translation = item(node, translationField, "t");
    if (source.joinedText().strip().equals(translation.joinedText().strip())) {
      throw new IllegalArgumentException("'" + sourceField + "' and '" + translationField
          + "' are identical");
    }
    JsonNode lang = node.get("lang");
    if (lang != null && !lang.isNull()
        && !task.equals(DISTILL_PREFIX + lang.asText())) {
      throw new IllegalArgumentException("lang '" + lang.asText() + "' does not match task '"
          + task + "' (expected " + DISTILL_PREFIX + lang.asText() + ")");
    }
    JsonNode t = node.get("teacher");
    if (t == null || t.isNull()) {
      throw new IllegalArgumentException("task '" + task + "' is a distillation task but the"
          + " row has no 'teacher' embedding (embed the sources with the teacher and join them"
          + " with join-teacher)");
    }
    return new TrainingExample(task, source, translation, List.of(), vector(t));
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
