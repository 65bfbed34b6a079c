package io.omniembed.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.parallel.ParallelPair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An X → English retrieval benchmark from one language's held-out parallel pairs (those of
 * {@code make-parallel}'s {@code heldout/}): queries are the translations, the corpus the distinct
 * English sources of that language's pairs, one relevant document per query (the pair's source).
 *
 * <p>A translation that renders several distinct English sources (gettext catalogs translate
 * "Open" and "Open…" alike) is never a query, since its answer would be ambiguous; its sources stay
 * in the corpus. The same English with several translations gives one query per translation.
 * Only this language's sources form the corpus, with no other language's as distractors, so a
 * language's figures do not change when another language is added to {@code make-parallel}.
 *
 * <p>Ids are stable: a document's is the pair's {@link ParallelPair#sourceId}, a query's
 * {@code q} followed by the {@code sourceId} of its translation; the queries are a seeded sample,
 * drawn from the candidates in id order, so the same pairs and seed give the same files whatever
 * order the part files were read in.
 */
public final class CrossLingualBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Queries at most; documents at most (0: all, else every query's target plus a seeded sample
   * of the rest); the sampling seed.
   */
  public record Settings(int maxQueries, int maxCorpus, long seed) {
    public Settings {
      if (maxQueries < 1) {
        throw new IllegalArgumentException("--max-queries must be at least 1, got " + maxQueries);
      }
      if (maxCorpus < 0) {
        throw new IllegalArgumentException("--max-corpus must be 0 (all) or more, got "
            + maxCorpus);
      }
    }
  }

  private CrossLingualBenchmark() {}

  /** The languages (BCP 47 tags) of {@code pairs}, sorted. */
  public static Set<String> languages(List<ParallelPair> pairs) {
    Set<String> out = new TreeSet<>();
    pairs.forEach(p -> out.add(p.lang()));
    return out;
  }

  /**
   * The benchmark of {@code lang}'s pairs among {@code pairs} (other languages' are ignored), or
   * null when {@code lang} has no pair there.
   */
  public static BenchmarkBuilder.Files build(List<ParallelPair> pairs, String lang, Settings s) {
    // source id -> English; query id -> translation; query id -> its sources' ids
    Map<String, String> documents = new TreeMap<>();
    Map<String, String> queryText = new TreeMap<>();
    Map<String, Set<String>> targets = new TreeMap<>();
    for (ParallelPair p : pairs) {
      if (!p.lang().equals(lang)) {
        continue;
      }
      String doc = ParallelPair.sourceId(p.source());
      String query = "q" + ParallelPair.sourceId(p.translation());
      documents.put(doc, p.source());
      queryText.put(query, p.translation());
      targets.computeIfAbsent(query, k -> new TreeSet<>()).add(doc);
    }
    if (documents.isEmpty()) {
      return null;
    }
    List<String> candidates = new ArrayList<>();
    targets.forEach((q, docs) -> {
      if (docs.size() == 1) {
        candidates.add(q);
      }
    });
    Collections.shuffle(candidates, new Random(s.seed()));
    List<String> chosen = new ArrayList<>(candidates.subList(0,
        Math.min(s.maxQueries(), candidates.size())));
    Collections.sort(chosen);

    Set<String> keep = new TreeSet<>();
    chosen.forEach(q -> keep.add(targets.get(q).iterator().next()));
    if (s.maxCorpus() == 0) {
      keep.addAll(documents.keySet());
    } else {
      List<String> rest = new ArrayList<>();
      for (String d : documents.keySet()) {
        if (!keep.contains(d)) {
          rest.add(d);
        }
      }
      Collections.shuffle(rest, new Random(s.seed() + 1));
      keep.addAll(rest.subList(0, Math.max(0, Math.min(rest.size(),
          s.maxCorpus() - keep.size()))));
    }

    StringBuilder corpus = new StringBuilder();
    for (String d : keep) {
      ObjectNode o = JSON.createObjectNode();
      o.put("_id", d);
      o.put("title", "");
      o.put("text", documents.get(d));
      corpus.append(o).append('\n');
    }
    StringBuilder queries = new StringBuilder();
    StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
    for (String q : chosen) {
      ObjectNode o = JSON.createObjectNode();
      o.put("_id", q);
      o.put("text", queryText.get(q));
      queries.append(o).append('\n');
      qrels.append(q).append('\t').append(targets.get(q).iterator().next()).append("\t1\n");
    }
    return new BenchmarkBuilder.Files(corpus.toString(), queries.toString(), qrels.toString(),
        keep.size(), chosen.size());
  }
}
