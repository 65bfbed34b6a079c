package io.omniembed.data.parallel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-pair filters of {@code make-parallel}, in the order they are applied; a pair is counted
 * under the first that drops it. Both sides are compared stripped of surrounding whitespace.
 *
 * @param minChars a source shorter than this many characters (code points) is dropped
 * @param maxRatio the longer side may be at most this many times the shorter (in code points)
 */
public record PairFilter(int minChars, double maxRatio) implements java.io.Serializable {

  /** The defaults of the job: sources of 3 characters and more, length ratio up to 3. */
  public static final PairFilter DEFAULT = new PairFilter(3, 3.0);

  /** Why a pair is dropped; {@link #key} names it in the summary. */
  public enum Drop {
    /** msgid or msgstr empty (an untranslated entry). */
    EMPTY("empty"),
    /** the translation is the source itself. */
    IDENTICAL("identical"),
    /** nothing but placeholders, digits, punctuation and spaces ({@code "%s: %s"}). */
    FORMAT_ONLY("format_only"),
    /** the multisets of printf/brace placeholders of the two sides differ. */
    PLACEHOLDER_MISMATCH("placeholder_mismatch"),
    /** the source is shorter than {@code minChars}. */
    TOO_SHORT("too_short"),
    /** one side is more than {@code maxRatio} times as long as the other. */
    LENGTH_RATIO("length_ratio");

    public final String key;

    Drop(String key) {
      this.key = key;
    }
  }

  public PairFilter {
    if (minChars < 0) {
      throw new IllegalArgumentException("--min-chars must be >= 0, got " + minChars);
    }
    if (!(maxRatio >= 1)) {
      throw new IllegalArgumentException("--max-ratio must be >= 1, got " + maxRatio);
    }
  }

  /**
   * printf conversions ({@code %s}, {@code %2$d}, {@code %-10.3lf}, {@code %'d}, {@code %*d}),
   * Python's {@code %(name)s}, and brace placeholders ({@code {0}}, {@code {name}},
   * {@code {}}); {@code %%} is a literal percent sign, not a placeholder.
   */
  private static final Pattern PLACEHOLDER = Pattern.compile(
      "%%|%\\((\\w+)\\)[-+ #0]*\\d*(?:\\.\\d+)?([a-zA-Z])"
          + "|%(?:\\d+\\$)?[-+ #0']*(?:\\d+|\\*(?:\\d+\\$)?)?(?:\\.(?:\\d+|\\*(?:\\d+\\$)?))?"
          + "(hh|h|ll|l|L|q|j|z|Z|t|I64|I32)?([diouxXeEfFgGaAcsSpnm])"
          + "|\\{(\\w*)\\}");

  /** Why the pair is dropped, or null when it is kept. */
  public Drop check(String source, String translation) {
    String s = source.strip();
    String t = translation.strip();
    if (s.isEmpty() || t.isEmpty()) {
      return Drop.EMPTY;
    }
    if (s.equals(t)) {
      return Drop.IDENTICAL;
    }
    if (!hasLetter(PLACEHOLDER.matcher(s).replaceAll(" "))) {
      return Drop.FORMAT_ONLY;
    }
    if (!placeholders(s).equals(placeholders(t))) {
      return Drop.PLACEHOLDER_MISMATCH;
    }
    int ls = s.codePointCount(0, s.length());
    int lt = t.codePointCount(0, t.length());
    if (ls < minChars) {
      return Drop.TOO_SHORT;
    }
    if (Math.max(ls, lt) > maxRatio * Math.min(ls, lt)) {
      return Drop.LENGTH_RATIO;
    }
    return null;
  }

  /**
   * The placeholders of a string as a sorted multiset, positions and widths left out (a
   * translation may reorder arguments with {@code %2$s} and pad differently) but the length
   * modifier kept ({@code %ld} is not {@code %d}).
   */
  public static List<String> placeholders(String s) {
    List<String> out = new ArrayList<>();
    Matcher m = PLACEHOLDER.matcher(s);
    while (m.find()) {
      if (m.group().equals("%%")) {
        continue;
      }
      if (m.group(1) != null) {
        out.add("%(" + m.group(1) + ")" + m.group(2));
      } else if (m.group(4) != null) {
        out.add("%" + (m.group(3) == null ? "" : m.group(3)) + m.group(4));
      } else {
        out.add("{" + m.group(5) + "}");
      }
    }
    Collections.sort(out);
    return out;
  }

  private static boolean hasLetter(String s) {
    return s.codePoints().anyMatch(Character::isLetter);
  }
}
