package io.omniembed.data.code;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Extracts (Javadoc description → method) pairs from Java source text, the basis of code retrieval
 * data: the query is the method's documentation in plain words, the document is the method's code
 * with its documentation removed. Pure string processing, no parser dependency: a doc comment, the
 * declaration that follows it (annotations skipped), and the body up to its matching brace,
 * skipping braces inside strings, characters and comments.
 */
public final class JavadocPairs {

  /** One documented method. */
  public record Pair(String className, String methodName, String doc, String code) {}

  private static final Pattern NAME = Pattern.compile("([A-Za-z_$][A-Za-z0-9_$]*)\\s*\\($");
  private static final Pattern TYPE_DECL =
      Pattern.compile("\\b(class|interface|enum|record|@interface)\\s+([A-Za-z_$][\\w$]*)");
  private static final int MAX_CODE_CHARS = 4000;

  private JavadocPairs() {}

  public static List<Pair> extract(String source) {
    List<Pair> out = new ArrayList<>();
    Matcher type = TYPE_DECL.matcher(blankComments(source));
    String className = type.find() ? type.group(2) : "";
    int i = 0;
    while (true) {
      int docStart = source.indexOf("/**", i);
      if (docStart < 0) {
        break;
      }
      int docEnd = source.indexOf("*/", docStart + 3);
      if (docEnd < 0) {
        break;
      }
      i = docEnd + 2;
      int declStart = skipAnnotationsAndSpace(source, i);
      int open = findDeclarationEnd(source, declStart);
      if (open < 0 || source.charAt(open) != '{') {
        continue;
      }
      String header = source.substring(declStart, open);
      int paren = header.indexOf('(');
      if (paren < 0 || TYPE_DECL.matcher(header).find() || header.contains("=")) {
        continue;
      }
      Matcher name = NAME.matcher(header.substring(0, paren + 1).strip());
      if (!name.find()) {
        continue;
      }
      int close = matchBrace(source, open);
      if (close < 0) {
        continue;
      }
      String doc = cleanDoc(source.substring(docStart + 3, docEnd));
      if (doc.isEmpty()) {
        continue;
      }
      String code = source.substring(declStart, close + 1).strip();
      if (code.length() > MAX_CODE_CHARS) {
        code = code.substring(0, MAX_CODE_CHARS);
      }
      out.add(new Pair(className, name.group(1), doc, code));
      i = close + 1;
    }
    return out;
  }

  /** The source with every comment's characters replaced by spaces (same length). */
  static String blankComments(String s) {
    StringBuilder b = new StringBuilder(s);
    int i = 0;
    while (i < s.length() - 1) {
      if (s.charAt(i) == '/' && s.charAt(i + 1) == '*') {
        int end = s.indexOf("*/", i + 2);
        end = end < 0 ? s.length() : end + 2;
        for (int j = i; j < end; j++) {
          b.setCharAt(j, ' ');
        }
        i = end;
      } else if (s.charAt(i) == '/' && s.charAt(i + 1) == '/') {
        int end = s.indexOf('\n', i);
        end = end < 0 ? s.length() : end;
        for (int j = i; j < end; j++) {
          b.setCharAt(j, ' ');
        }
        i = end;
      } else {
        i++;
      }
    }
    return b.toString();
  }

  /** The description part of a doc comment (before block tags) as plain text. */
  static String cleanDoc(String raw) {
    return Docs.descriptionOf(raw);
  }

  private static int skipAnnotationsAndSpace(String s, int i) {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '@' && !s.startsWith("@interface", i)) {
        i++;
        while (i < s.length() && (Character.isJavaIdentifierPart(s.charAt(i))
            || s.charAt(i) == '.')) {
          i++;
        }
        if (i < s.length() && s.charAt(i) == '(') {
          int depth = 0;
          while (i < s.length()) {
            char d = s.charAt(i++);
            if (d == '(') {
              depth++;
            } else if (d == ')' && --depth == 0) {
              break;
            }
          }
        }
      } else {
        break;
      }
    }
    return i;
  }

  /** Index of the first '{' or ';' at parenthesis depth 0 after a declaration start. */
  private static int findDeclarationEnd(String s, int i) {
    int depth = 0;
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (depth == 0 && (c == '{' || c == ';')) {
        return i;
      } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
        return -1;
      }
    }
    return -1;
  }

  /** Index of the brace closing the one at {@code open}, or -1. */
  static int matchBrace(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      char next = i + 1 < s.length() ? s.charAt(i + 1) : 0;
      if (c == '/' && next == '/') {
        int nl = s.indexOf('\n', i);
        if (nl < 0) {
          return -1;
        }
        i = nl;
      } else if (c == '/' && next == '*') {
        int end = s.indexOf("*/", i + 2);
        if (end < 0) {
          return -1;
        }
        i = end + 1;
      } else if (c == '"' && s.startsWith("\"\"\"", i)) {
        int end = s.indexOf("\"\"\"", i + 3);
        if (end < 0) {
          return -1;
        }
        i = end + 2;
      } else if (c == '"' || c == '\'') {
        for (i++; i < s.length() && s.charAt(i) != c; i++) {
          if (s.charAt(i) == '\\') {
            i++;
          }
        }
      } else if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }
}
