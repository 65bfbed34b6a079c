package io.omniembed.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Retrieval metrics as MTEB reports them (through pytrec_eval / trec_eval):
 * <ul>
 *   <li>NDCG@k: DCG = Σ_{i≤k} rel_i / log₂(i + 1) over the ranking, divided by the DCG of the
 *       ideal ordering of all judged documents; gain is the graded relevance itself
 *       (trec_eval's {@code ndcg_cut}), not 2^rel − 1.</li>
 *   <li>Recall@k: relevant documents (rel &gt; 0) in the top k / all relevant documents.</li>
 *   <li>MRR@k: 1 / rank of the first relevant document within the top k, else 0.</li>
 * </ul>
 * Each is averaged over the queries that have at least one relevant document in the qrels.
 */
public final class RetrievalMetrics {

  /** The metrics {@code eval} reports, in report order. */
  public static final List<String> NAMES =
      List.of("ndcg@10", "recall@1", "recall@10", "recall@100", "mrr@10");

  private RetrievalMetrics() {}

  /**
   * @param rankings query id → document ids, best first
   * @param qrels    query id → (document id → relevance)
   * @return metric name → mean over judged queries
   */
  public static Map<String, Double> evaluate(Map<String, List<String>> rankings,
      Map<String, Map<String, Integer>> qrels) {
    Map<String, Double> sums = new LinkedHashMap<>();
    NAMES.forEach(n -> sums.put(n, 0.0));
    int queries = 0;
    for (Map.Entry<String, Map<String, Integer>> q : qrels.entrySet()) {
      Map<String, Integer> judged = q.getValue();
      if (judged.values().stream().noneMatch(r -> r > 0)) {
        continue;
      }
      queries++;
      List<String> ranking = rankings.getOrDefault(q.getKey(), List.of());
      sums.merge("ndcg@10", ndcg(ranking, judged, 10), Double::sum);
      sums.merge("recall@1", recall(ranking, judged, 1), Double::sum);
      sums.merge("recall@10", recall(ranking, judged, 10), Double::sum);
      sums.merge("recall@100", recall(ranking, judged, 100), Double::sum);
      sums.merge("mrr@10", reciprocalRank(ranking, judged, 10), Double::sum);
    }
    Map<String, Double> means = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : sums.entrySet()) {
      means.put(e.getKey(), queries == 0 ? 0.0 : e.getValue() / queries);
    }
    return means;
  }

  public static double ndcg(List<String> ranking, Map<String, Integer> judged, int k) {
    double dcg = 0;
    for (int i = 0; i < Math.min(k, ranking.size()); i++) {
      int rel = Math.max(0, judged.getOrDefault(ranking.get(i), 0));
      dcg += rel / log2(i + 2);
    }
    List<Integer> ideal = new ArrayList<>(judged.values());
    ideal.sort((a, b) -> Integer.compare(b, a));
    double idcg = 0;
    for (int i = 0; i < Math.min(k, ideal.size()); i++) {
      idcg += Math.max(0, ideal.get(i)) / log2(i + 2);
    }
    return idcg == 0 ? 0 : dcg / idcg;
  }

  public static double recall(List<String> ranking, Map<String, Integer> judged, int k) {
    long relevant = judged.values().stream().filter(r -> r > 0).count();
    if (relevant == 0) {
      return 0;
    }
    long found = ranking.stream().limit(k).filter(d -> judged.getOrDefault(d, 0) > 0).count();
    return (double) found / relevant;
  }

  public static double reciprocalRank(List<String> ranking, Map<String, Integer> judged, int k) {
    for (int i = 0; i < Math.min(k, ranking.size()); i++) {
      if (judged.getOrDefault(ranking.get(i), 0) > 0) {
        return 1.0 / (i + 1);
      }
    }
    return 0;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
