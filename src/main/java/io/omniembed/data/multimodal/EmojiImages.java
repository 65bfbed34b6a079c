package io.omniembed.data.multimodal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Emoji images of npm {@code emoji-datasource-google} ({@code img/google/64/*.png},
 * {@code emoji.json}) named in every requested language by npm {@code cldr-annotations-full}
 * ({@code annotations/LANG/annotations.json}, the {@code tts} name). An emoji without an English
 * name is skipped; other languages are kept where CLDR has them.
 */
public final class EmojiImages {

  private static final ObjectMapper JSON = new ObjectMapper();

  private EmojiImages() {}

  /**
   * @param emojiDir the unpacked {@code emoji-datasource-google} package
   * @param cldrDir  the unpacked {@code cldr-annotations-full} package
   */
  public static List<NamedImage> read(Path emojiDir, Path cldrDir, List<String> languages)
      throws IOException {
    Path index = emojiDir.resolve("emoji.json");
    if (!Files.isRegularFile(index)) {
      throw new IllegalArgumentException(emojiDir + ": no emoji.json (give the unpacked npm"
          + " package emoji-datasource-google)");
    }
    Map<String, Map<String, String>> names = new HashMap<>();   // lang → emoji → name
    for (String lang : languages) {
      Path file = cldrDir.resolve("annotations").resolve(lang).resolve("annotations.json");
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException(cldrDir + ": no annotations for language '" + lang
            + "' (" + file + ")");
      }
      Map<String, String> byEmoji = new HashMap<>();
      JsonNode all = JSON.readTree(file.toFile()).path("annotations").path("annotations");
      all.fields().forEachRemaining(e -> {
        JsonNode tts = e.getValue().path("tts");
        if (tts.isArray() && !tts.isEmpty()) {
          byEmoji.put(e.getKey(), tts.get(0).asText());
        }
      });
      names.put(lang, byEmoji);
    }
    List<NamedImage> out = new ArrayList<>();
    for (JsonNode e : JSON.readTree(index.toFile())) {
      if (!e.path("has_img_google").asBoolean(false)) {
        continue;
      }
      Path png = emojiDir.resolve("img/google/64").resolve(e.path("image").asText());
      if (!Files.isRegularFile(png)) {
        continue;
      }
      String glyph = glyph(e.path("unified").asText());
      Map<String, String> n = new LinkedHashMap<>();
      for (String lang : languages) {
        String name = names.get(lang).get(glyph);
        if (name == null) {
          name = names.get(lang).get(glyph.replace("\uFE0F", ""));
        }
        if (name != null) {
          n.put(lang, name);
        }
      }
      if (!n.containsKey("en")) {
        continue;
      }
      out.add(new NamedImage("emoji:" + e.path("unified").asText().toLowerCase(Locale.ROOT),
          "emoji", Files.readAllBytes(png), n));
    }
    return out;
  }

  /** The emoji string of a {@code 1F600-FE0F} style code point list. */
  static String glyph(String unified) {
    StringBuilder sb = new StringBuilder();
    for (String cp : unified.split("-")) {
      sb.appendCodePoint(Integer.parseInt(cp, 16));
    }
    return sb.toString();
  }
}
