package io.omniembed.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.evaluation.RankingMetrics;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

class RetrievalMetricsTest {

  @Test
  void handComputedValues() {
    // Relevant: d1 (rel 2) and d3 (rel 1); the ranking finds d3 first, then d1 at rank 3.
    Map<String, Integer> judged = Map.of("d1", 2, "d3", 1);
    List<String> ranking = List.of("d3", "d9", "d1", "d4");
    double dcg = 1 / log2(2) + 2 / log2(4);
    double idcg = 2 / log2(2) + 1 / log2(3);
    assertEquals(dcg / idcg, RetrievalMetrics.ndcg(ranking, judged, 10), 1e-12);
    assertEquals(0.5, RetrievalMetrics.recall(ranking, judged, 1), 1e-12);
    assertEquals(1.0, RetrievalMetrics.recall(ranking, judged, 10), 1e-12);
    assertEquals(1.0, RetrievalMetrics.reciprocalRank(ranking, judged, 10), 1e-12);
    assertEquals(1.0 / 3, RetrievalMetrics.reciprocalRank(List.of("x", "y", "d1"), judged, 10),
        1e-12);
    assertEquals(0.0, RetrievalMetrics.reciprocalRank(List.of("x", "y", "d1"), judged, 2), 1e-12);
  }

  @Test
  void queriesWithoutRelevantDocumentsAreNotAveraged() {
    Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
    qrels.put("q1", Map.of("d1", 1));
    qrels.put("q2", Map.of("d2", 0));
    Map<String, Double> m = RetrievalMetrics.evaluate(Map.of("q1", List.of("d1")), qrels);
    assertEquals(1.0, m.get("ndcg@10"), 1e-12);
    assertEquals(1.0, m.get("mrr@10"), 1e-12);
  }

  /**
   * With binary relevance, NDCG@10 and Recall@k must equal Spark MLlib's RankingMetrics on the
   * same rankings (MLlib's graded NDCG uses 2^rel − 1 gains, so only binary labels compare).
   */
  @Test
  void agreesWithSparkRankingMetricsOnBinaryRelevance() {
    Random r = new Random(5);
    Map<String, List<String>> rankings = new HashMap<>();
    Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
    List<Tuple2<List<String>, List<String>>> pairs = new ArrayList<>();
    for (int q = 0; q < 60; q++) {
      List<String> ranking = new ArrayList<>();
      for (int i = 0; i < 120; i++) {
        ranking.add("d" + r.nextInt(400));
      }
      ranking = ranking.stream().distinct().toList();
      Map<String, Integer> rel = new HashMap<>();
      int relevant = 1 + r.nextInt(4);
      for (int i = 0; i < relevant; i++) {
        rel.put(r.nextBoolean() ? ranking.get(r.nextInt(Math.min(20, ranking.size())))
            : "d" + r.nextInt(400), 1);
      }
      rankings.put("q" + q, ranking);
      qrels.put("q" + q, rel);
      pairs.add(new Tuple2<>(ranking, new ArrayList<>(rel.keySet())));
    }
    Map<String, Double> ours = RetrievalMetrics.evaluate(rankings, qrels);

    SparkSession spark = SparkSession.builder().master("local[2]").appName("metrics")
        .config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false")
        .getOrCreate();
    try {
      JavaRDD<Tuple2<List<String>, List<String>>> rdd =
          new JavaSparkContext(spark.sparkContext()).parallelize(pairs);
      RankingMetrics<String> mllib = RankingMetrics.of(rdd);
      assertEquals(mllib.ndcgAt(10), ours.get("ndcg@10"), 1e-9);
      assertEquals(mllib.recallAt(1), ours.get("recall@1"), 1e-9);
      assertEquals(mllib.recallAt(10), ours.get("recall@10"), 1e-9);
      assertEquals(mllib.recallAt(100), ours.get("recall@100"), 1e-9);
    } finally {
      spark.stop();
    }
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
