package io.omniembed.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads WordNet's {@code data.noun}/{@code data.verb}/... files (Debian {@code wordnet-base}) into
 * (gloss → lemmas) pairs: the definition part of each synset's gloss, and its words. A general
 * text retrieval set, far from code, for checking that code fine-tuning does not cost text
 * quality. Pure parsing, no I/O.
 */
public final class WordNetGlosses {

  /** One synset: its id (offset and part of speech), words, and definition. */
  public record Synset(String id, List<String> words, String definition) {}

  private WordNetGlosses() {}

  /**
   * Parses one data file. Lines: {@code offset lex_filenum ss_type w_cnt word lex_id ... | gloss};
   * licence header lines start with two spaces and are skipped.
   */
  public static List<Synset> parse(String text) {
    List<Synset> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("  ")) {
        continue;
      }
      int bar = line.indexOf(" | ");
      if (bar < 0) {
        continue;
      }
      String[] f = line.substring(0, bar).split(" ");
      if (f.length < 6) {
        continue;
      }
      int count = Integer.parseInt(f[3], 16);
      List<String> words = new ArrayList<>();
      for (int i = 0; i < count && 4 + 2 * i < f.length; i++) {
        words.add(f[4 + 2 * i].replace('_', ' ').replaceAll("\\(\\w+\\)$", ""));
      }
      String gloss = line.substring(bar + 3).strip();
      int example = gloss.indexOf("; \"");
      String definition = (example < 0 ? gloss : gloss.substring(0, example)).strip();
      if (!definition.isEmpty() && !words.isEmpty()) {
        out.add(new Synset(f[0] + f[2], words, definition));
      }
    }
    return out;
  }
}
