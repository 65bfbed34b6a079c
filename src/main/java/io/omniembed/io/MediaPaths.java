package io.omniembed.io;

import io.omniembed.data.media.MediaException;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Rewrites the media references of a training record so that they stay valid when the record is
 * written elsewhere: a relative path is resolved against the data file it was read from (and
 * refused when it escapes that file's directory); absolute paths, URIs and inline bytes are kept.
 */
public final class MediaPaths {

  private static final List<String> FIELDS = List.of("image", "audio", "video");

  private MediaPaths() {}

  /** Resolves, in place, every media path of the record's query, positive and negatives. */
  public static void resolveRecord(ObjectNode record, String source) throws MediaException {
    resolveItem(record.get("query"), source, "query");
    resolveItem(record.get("positive"), source, "positive");
    JsonNode negatives = record.get("negatives");
    if (negatives != null && negatives.isArray()) {
      for (int i = 0; i < negatives.size(); i++) {
        resolveItem(negatives.get(i), source, "negatives[" + i + "]");
      }
    }
  }

  private static void resolveItem(JsonNode item, String source, String what)
      throws MediaException {
    if (item == null || !item.isObject()) {
      return;
    }
    ObjectNode o = (ObjectNode) item;
    for (String field : FIELDS) {
      JsonNode v = o.get(field);
      if (v != null && v.isTextual()) {
        o.put(field, resolve(v.asText(), source, what));
      }
    }
    JsonNode parts = o.get("parts");
    if (parts != null && parts.isArray()) {
      for (JsonNode p : parts) {
        JsonNode uri = p.get("uri");
        if (p.isObject() && uri != null && uri.isTextual()) {
          ((ObjectNode) p).put("uri", resolve(uri.asText(), source, what));
        }
      }
    }
  }

  private static String resolve(String uri, String source, String what) throws MediaException {
    try {
      return MediaSource.resolve(uri, source).toString();
    } catch (MediaException e) {
      throw new MediaException(what + ": " + e.getMessage());
    }
  }
}
