package io.omniembed.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.code.JavadocPairs;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A retrieval benchmark (or training pairs) made from description → content pairs, such as
 * Javadoc → method or WordNet gloss → words: every pair's content is a document; a seeded sample
 * of the descriptions become queries, each with its one relevant document. A description shared
 * by several pairs is never a query (its answer would be ambiguous), nor one shorter than
 * {@code minDocChars}.
 */
public final class BenchmarkBuilder {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How to sample: queries at most, the shortest description kept, documents at most (0: all;
   * else every query's target plus a seeded sample of the rest), whether documents get the
   * pair's {@code Class.method} as title, and the seed.
   */
  public record Settings(int maxQueries, int minDocChars, int maxCorpus, boolean titled,
      long seed) {}

  /** The three files of the BEIR layout, as text. */
  public record Files(String corpus, String queries, String qrels, int documentCount,
      int queryCount) {}

  private BenchmarkBuilder() {}

  public static Files benchmark(List<JavadocPairs.Pair> pairs, Settings s) {
    Map<String, Integer> docCount = new HashMap<>();
    pairs.forEach(p -> docCount.merge(p.doc(), 1, Integer::sum));
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      JavadocPairs.Pair p = pairs.get(i);
      if (p.doc().length() >= s.minDocChars() && docCount.get(p.doc()) == 1) {
        candidates.add(i);
      }
    }
    Collections.shuffle(candidates, new Random(s.seed()));
    List<Integer> chosen = candidates.subList(0, Math.min(s.maxQueries(), candidates.size()));

    Set<Integer> keep = new TreeSet<>(chosen);
    if (s.maxCorpus() > 0) {
      List<Integer> rest = new ArrayList<>();
      for (int i = 0; i < pairs.size(); i++) {
        if (!keep.contains(i)) {
          rest.add(i);
        }
      }
      Collections.shuffle(rest, new Random(s.seed() + 1));
      keep.addAll(rest.subList(0, Math.max(0, Math.min(rest.size(),
          s.maxCorpus() - keep.size()))));
    } else {
      for (int i = 0; i < pairs.size(); i++) {
        keep.add(i);
      }
    }
    StringBuilder corpus = new StringBuilder();
    for (int i : keep) {
      JavadocPairs.Pair p = pairs.get(i);
      ObjectNode d = JSON.createObjectNode();
      d.put("_id", "d" + i);
      d.put("title", s.titled() ? p.className() + "." + p.methodName() : "");
      d.put("text", p.code());
      corpus.append(d).append('\n');
    }
    StringBuilder queries = new StringBuilder();
    StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
    for (int i : chosen) {
      ObjectNode q = JSON.createObjectNode();
      q.put("_id", "q" + i);
      q.put("text", pairs.get(i).doc());
      queries.append(q).append('\n');
      qrels.append("q").append(i).append("\td").append(i).append("\t1\n");
    }
    return new Files(corpus.toString(), queries.toString(), qrels.toString(), keep.size(),
        chosen.size());
  }

  /**
   * Training pairs of task {@code task}, one JSON line each: every pair whose description is long
   * enough, each description once; the positive is the content, titled like the documents.
   */
  public static List<String> pairs(List<JavadocPairs.Pair> pairs, String task, Settings s) {
    Set<String> seen = new HashSet<>();
    List<String> lines = new ArrayList<>();
    for (JavadocPairs.Pair p : pairs) {
      if (p.doc().length() < s.minDocChars() || !seen.add(p.doc())) {
        continue;
      }
      ObjectNode o = JSON.createObjectNode();
      o.put("task", task);
      o.put("query", p.doc());
      o.put("positive", s.titled() ? p.className() + "." + p.methodName() + " " + p.code()
          : p.code());
      lines.add(o.toString());
    }
    return lines;
  }
}
