package io.omniembed.data.parallel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One English → X pair from a gettext catalog, as {@code make-parallel} writes it:
 * <pre>
 *   {"task": "distill-de", "source": "No such file", "translation": "Datei nicht gefunden",
 *    "lang": "de", "package": "coreutils", "source_id": "3f1c…"}
 * </pre>
 * {@code package} is the catalog's text domain (its file name without {@code .mo}), and
 * {@code source_id} the {@link #sourceId} of the English side, the key that joins the teacher's
 * embeddings of the sources to the pairs.
 */
public record ParallelPair(String lang, String source, String translation, String pkg)
    implements Serializable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The task of a language's pairs: {@code distill-<lang>}. */
  public static String task(String lang) {
    return "distill-" + lang;
  }

  public String task() {
    return task(lang);
  }

  /** The first 16 hex digits of the SHA-256 of a source's UTF-8 bytes. */
  public static String sourceId(String source) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(
          source.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A pair read back from a line of {@link #toJson}: its {@code lang}, {@code source},
   * {@code translation} and {@code package}; a line without one of them is refused, naming it.
   */
  public static ParallelPair fromJson(String line) {
    try {
      JsonNode n = JSON.readTree(line);
      String[] v = new String[4];
      String[] names = {"lang", "source", "translation", "package"};
      for (int i = 0; i < names.length; i++) {
        JsonNode f = n.get(names[i]);
        if (f == null || !f.isTextual()) {
          throw new IllegalArgumentException("no string field '" + names[i] + "'");
        }
        v[i] = f.asText();
      }
      return new ParallelPair(v[0], v[1], v[2], v[3]);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    }
  }

  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("task", task());
    n.put("source", source);
    n.put("translation", translation);
    n.put("lang", lang);
    n.put("package", pkg);
    n.put("source_id", sourceId(source));
    return n.toString();
  }
}
