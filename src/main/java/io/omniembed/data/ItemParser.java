package io.omniembed.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Turns one JSON record into an {@link Item}, or into a reason why it cannot be one. Pure: no I/O,
 * no Spark, so every rule here is tested directly.
 *
 * <p>Accepted shapes (design.md, "Data formats"):
 * <pre>
 *   {"id": "a", "text": "..."}
 *   {"id": "b", "text": "caption", "image": "img/b.png"}           shorthand media fields
 *   {"id": "c", "parts": [{"type": "text", "text": "..."},
 *                         {"type": "image", "uri": "x.png" | "bytes": "base64"}]}
 *   {"_id": "d", "title": "...", "text": "..."}                      BEIR corpus rows
 * </pre>
 * Parquet rows go through the same parser as their JSON rendering, so both inputs obey one set of
 * rules.
 */
public final class ItemParser {

  /** Outcome of parsing one record. */
  public sealed interface Result permits Ok, Bad {}

  public record Ok(Item item) implements Result {}

  /** A record that is not an item; {@code id} is the record's id when one could be read. */
  public record Bad(String id, String reason) implements Result {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> MEDIA_FIELDS = Set.of("image", "audio", "video");

  /**
   * The fields that hold an item's content ({@code text}, {@code title}, {@code parts} and the
   * media shorthands); a table needs at least one of them to be embedded.
   */
  public static final Set<String> CONTENT_FIELDS =
      Set.of("text", "title", "parts", "image", "audio", "video");

  private ItemParser() {}

  /**
   * The prefix of a record that stands for a whole input file that could not be read (a
   * truncated Parquet file): readers put the reason after it, parsers report it as the row's
   * error, so a broken file is counted and named like a bad row instead of failing the job.
   */
  public static final String UNREADABLE_FILE = "\u0000omniembed:unreadable-file\u0000";

  /** The reason of an {@link #UNREADABLE_FILE} record, null for any other record. */
  public static String unreadableReason(String record) {
    return record != null && record.startsWith(UNREADABLE_FILE)
        ? record.substring(UNREADABLE_FILE.length()) : null;
  }

  /**
   * {@link #parse(String)}, with a record whose id cannot be read named by a one-line excerpt in
   * the reason, so its error row still says which record it was.
   */
  public static Result parseRecord(String record) {
    Result parsed = parse(record);
    if (parsed instanceof Bad bad && bad.id() == null && unreadableReason(record) == null) {
      return new Bad(null, bad.reason() + " in record '" + excerpt(record) + "'");
    }
    return parsed;
  }

  private static String excerpt(String record) {
    String oneLine = record.replaceAll("\\s+", " ");
    return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 120) + "…";
  }

  public static Result parse(String json) {
    String unreadable = unreadableReason(json);
    if (unreadable != null) {
      return new Bad(null, unreadable);
    }
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      return new Bad(null, "malformed JSON: " + firstLine(e.getOriginalMessage()));
    }
    if (node == null || !node.isObject()) {
      return new Bad(null, "record is not a JSON object");
    }
    return parse(node);
  }

  public static Result parse(JsonNode node) {
    String id = readId(node);
    if (id == null) {
      return new Bad(null, "missing or empty 'id' (or '_id') field");
    }
    return parseContent(id, node);
  }

  /**
   * The content fields of {@code node} ({@code text}/{@code title}, media fields or
   * {@code parts}) as the item {@code id}; any id field in {@code node} is ignored. Used where the
   * id comes from elsewhere, such as a DataFrame column holding only content.
   */
  public static Result parseContent(String id, JsonNode node) {
    if (node.has("parts")) {
      if (node.has("text") || MEDIA_FIELDS.stream().anyMatch(node::has)) {
        return new Bad(id, "give either 'parts' or the 'text'/'image'/'audio'/'video' fields,"
            + " not both");
      }
      return parseParts(id, node.get("parts"));
    }
    List<Part> parts = new ArrayList<>();
    String title = textField(node, "title");
    JsonNode text = node.get("text");
    if (text != null && !text.isNull() && !text.isTextual()) {
      return new Bad(id, "'text' must be a string, got " + kind(text));
    }
    String body = text == null || text.isNull() ? null : text.asText();
    String joined = join(title, body);
    if (joined != null) {
      parts.add(new Part.Text(joined));
    }
    for (String field : List.of("image", "audio", "video")) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        continue;
      }
      if (!value.isTextual() || value.asText().isBlank()) {
        return new Bad(id, "'" + field + "' must be a non-empty path or URI string");
      }
      parts.add(new Part.Media(Modality.fromKey(field), value.asText(), null));
    }
    if (parts.isEmpty()) {
      return new Bad(id, "no content: the record has no 'text', 'image', 'audio', 'video' or"
          + " 'parts'");
    }
    return checkContent(new Item(id, parts));
  }

  private static Result parseParts(String id, JsonNode parts) {
    if (!parts.isArray() || parts.isEmpty()) {
      return new Bad(id, "'parts' must be a non-empty list");
    }
    List<Part> out = new ArrayList<>();
    int index = 0;
    for (Iterator<JsonNode> it = parts.elements(); it.hasNext(); index++) {
      JsonNode p = it.next();
      if (!p.isObject()) {
        return new Bad(id, "parts[" + index + "] is not an object");
      }
      Modality modality = Modality.fromKey(textField(p, "type"));
      if (modality == null) {
        return new Bad(id, "parts[" + index + "] has unknown type '" + p.path("type").asText()
            + "' (expected text, image, audio or video)");
      }
      if (modality == Modality.TEXT) {
        JsonNode t = p.get("text");
        if (t == null || !t.isTextual()) {
          return new Bad(id, "parts[" + index + "] of type text needs a string 'text'");
        }
        out.add(new Part.Text(t.asText()));
        continue;
      }
      String uri = textField(p, "uri");
      String b64 = textField(p, "bytes");
      if ((uri == null) == (b64 == null)) {
        return new Bad(id, "parts[" + index + "] of type " + modality.key()
            + " needs exactly one of 'uri' or 'bytes'");
      }
      byte[] bytes = null;
      if (b64 != null) {
        try {
          bytes = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
          return new Bad(id, "parts[" + index + "].bytes is not valid base64");
        }
      }
      out.add(new Part.Media(modality, uri, bytes));
    }
    return checkContent(new Item(id, out));
  }

  /** Rejects items whose text is all blank and that carry nothing else. */
  private static Result checkContent(Item item) {
    boolean anyContent = item.parts().stream().anyMatch(p -> !(p instanceof Part.Text t)
        || !t.text().isBlank());
    if (!anyContent) {
      return new Bad(item.id(), "empty text");
    }
    return new Ok(item);
  }

  private static String readId(JsonNode node) {
    JsonNode id = node.has("id") ? node.get("id") : node.get("_id");
    if (id == null || id.isNull() || !(id.isTextual() || id.isIntegralNumber())) {
      return null;
    }
    String s = id.asText();
    return s.isEmpty() ? null : s;
  }

  private static String textField(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  private static String join(String title, String body) {
    boolean hasTitle = title != null && !title.isBlank();
    boolean hasBody = body != null;
    if (hasTitle && hasBody) {
      return title + " " + body;
    }
    return hasTitle ? title : body;
  }

  private static String kind(JsonNode n) {
    return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
