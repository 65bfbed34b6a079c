package io.omniembed.data.code;

import java.util.regex.Pattern;

/** Doc comments (Javadoc, JSDoc) to plain words: inline tags unwrapped, HTML dropped. */
final class Docs {

  private static final Pattern INLINE_TAG =
      Pattern.compile("\\{@(?:code|link|linkplain|literal|value)\\s+([^}]*)\\}");
  private static final Pattern HTML = Pattern.compile("<[^>]+>");
  private static final Pattern ENTITY = Pattern.compile("&(lt|gt|amp|quot|nbsp);");

  private Docs() {}

  static String plain(String doc) {
    String s = INLINE_TAG.matcher(doc).replaceAll("$1").replace("{@inheritDoc}", "");
    s = HTML.matcher(s).replaceAll(" ");
    s = ENTITY.matcher(s).replaceAll(m -> switch (m.group(1)) {
      case "lt" -> "<";
      case "gt" -> ">";
      case "amp" -> "&";
      case "quot" -> "\"";
      default -> " ";
    });
    return s.replaceAll("\\s+", " ").strip();
  }

  /** The description of a raw JSDoc/Javadoc comment body: leading stars off, before any @tag. */
  static String descriptionOf(String commentBody) {
    StringBuilder b = new StringBuilder();
    for (String line : commentBody.split("\n")) {
      String l = line.strip();
      if (l.startsWith("/**")) {
        l = l.substring(3);
      }
      if (l.endsWith("*/")) {
        l = l.substring(0, l.length() - 2);
      }
      l = l.strip();
      if (l.startsWith("*")) {
        l = l.substring(1).strip();
      }
      if (l.startsWith("@")) {
        break;
      }
      b.append(l).append(' ');
    }
    return plain(b.toString());
  }
}
