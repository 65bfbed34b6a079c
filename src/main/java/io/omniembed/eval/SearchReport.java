package io.omniembed.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of one {@code search}: each query's ranked hits and what produced them, as JSON
 * ({@code --out}) and as a printed table. Scores are cosine similarities (dot products of
 * L2-normalised vectors), exact or as the HNSW index found them ({@code method}).
 *
 * @param queryIds   the queries in the order asked
 * @param hits       query id → hits, best first
 * @param method     {@code exact} or {@code hnsw}
 * @param candidates the HNSW search width; 0 for exact search
 */
public record SearchReport(String index, String modelId, String modelHash, int dim,
    long vectors, String method, int k, int candidates, List<String> queryIds,
    Map<String, List<TopK.Hit>> hits, double seconds) {

  public SearchReport {
    queryIds = List.copyOf(queryIds);
    hits = Map.copyOf(hits);
  }

  /** The hits of one query, empty when the index holds no vectors. */
  public List<TopK.Hit> hitsOf(String queryId) {
    return hits.getOrDefault(queryId, List.of());
  }

  public String toJson() {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("index", index);
    root.put("model", modelId);
    root.put("model_hash", modelHash);
    root.put("dim", dim);
    root.put("vectors", vectors);
    root.put("method", method);
    root.put("k", k);
    if (candidates > 0) {
      root.put("num_candidates", candidates);
    }
    root.put("seconds", seconds);
    ArrayNode queries = root.putArray("queries");
    for (String q : queryIds) {
      ObjectNode node = queries.addObject();
      node.put("id", q);
      ArrayNode list = node.putArray("hits");
      int rank = 1;
      for (TopK.Hit h : hitsOf(q)) {
        list.addObject().put("rank", rank++).put("id", h.docId()).put("score", h.score());
      }
    }
    try {
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One block per query: its id, then rank, score and id of each hit. */
  public String table() {
    StringBuilder b = new StringBuilder();
    for (String q : queryIds) {
      b.append("query ").append(q).append('\n');
      b.append(String.format(Locale.ROOT, "%6s  %8s  %s%n", "rank", "score", "id"));
      int rank = 1;
      for (TopK.Hit h : hitsOf(q)) {
        b.append(String.format(Locale.ROOT, "%6d  %8.4f  %s%n", rank++, h.score(), h.docId()));
      }
    }
    return b.toString();
  }
}
