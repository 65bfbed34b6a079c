package io.omniembed.pipeline;

import io.omniembed.eval.Bm25Retriever;
import io.omniembed.eval.TopK;

import io.omniembed.data.Item;
import io.omniembed.data.NegativeSelection;
import io.omniembed.io.Models;
import io.omniembed.ml.Embedder;
import io.omniembed.model.TextEmbedder;
import io.omniembed.model.onnx.Inference;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import scala.Tuple2;

/**
 * Search of one shard of a candidate pool, the unit of distributed hard-negative mining: the
 * shard's documents against every query of its task, by Lucene BM25 (an in-memory index of the
 * shard, so term statistics are the shard's own) or by exact cosine similarity of a model's
 * embeddings. Each query gets the shard's top k and, when its positive lives in this shard, the
 * positive's score under the same retriever.
 */
public final class ShardSearch {

  /** A query sent to every shard of its task's pool. */
  public record Query(long id, String task, long queryKey, long positiveKey, String text,
      HashSet<Long> knownPositives, float[] vector) implements Serializable {}

  /** A document of a task's pool. */
  public record Doc(long key, String text) implements Serializable {}

  /** One shard's answer for one query. */
  public record ShardHits(List<NegativeSelection.Candidate> hits, double positiveScore)
      implements Serializable {}

  private ShardSearch() {}

  /** Embeds texts in length-sorted batches of 32; rows in input order. */
  public static float[][] embed(TextEmbedder e, List<String> texts) {
    List<int[]> ids = new ArrayList<>(texts.size());
    for (String t : texts) {
      ids.add(e.tokenizer().encode(t, e.maxLength()).ids());
    }
    Integer[] order = new Integer[texts.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, Comparator.comparingInt(i -> ids.get(i).length));
    float[][] out = new float[texts.size()][];
    for (int from = 0; from < order.length; from += 32) {
      List<int[]> batch = new ArrayList<>();
      int to = Math.min(order.length, from + 32);
      for (int i = from; i < to; i++) {
        batch.add(ids.get(order[i]));
      }
      float[][] v = e.embed(batch);
      for (int i = from; i < to; i++) {
        out[order[i]] = v[i - from];
      }
    }
    return out;
  }

  /**
   * One shard: its documents against every query of its task, by BM25 when {@code bm25}, else by
   * the embeddings of {@code model}.
   */
  public static Iterator<Tuple2<Long, ShardHits>> search(Iterable<Doc> docIt,
      Iterable<Query> queryIt, boolean bm25, int k, String model, Configuration conf)
      throws IOException {
    List<Doc> docs = new ArrayList<>();
    docIt.forEach(docs::add);
    List<Tuple2<Long, ShardHits>> out = new ArrayList<>();
    if (docs.isEmpty()) {
      return out.iterator();
    }
    Map<Long, Integer> index = new HashMap<>();
    for (int i = 0; i < docs.size(); i++) {
      index.put(docs.get(i).key(), i);
    }
    if (bm25) {
      List<Item> items = docs.stream().map(d -> Item.text(Long.toString(d.key()), d.text()))
          .toList();
      try (Bm25Retriever retriever = new Bm25Retriever(items.iterator())) {
        for (Query q : queryIt) {
          List<NegativeSelection.Candidate> hits = new ArrayList<>();
          for (TopK.Hit h : retriever.search(q.text(), k)) {
            Doc d = docs.get(index.get(Long.parseLong(h.docId())));
            hits.add(new NegativeSelection.Candidate(d.key(), d.text(), h.score()));
          }
          double pos = index.containsKey(q.positiveKey())
              ? retriever.score(q.text(), Long.toString(q.positiveKey())) : Double.NaN;
          out.add(new Tuple2<>(q.id(), new ShardHits(hits, pos)));
        }
      }
      return out.iterator();
    }
    float[][] dv = embed(Models.embedder(model, Inference.DEFAULT, conf, Embedder.threads()), docs.stream().map(Doc::text).toList());
    for (Query q : queryIt) {
      TopK top = new TopK(k);
      double pos = Double.NaN;
      for (int i = 0; i < dv.length; i++) {
        float s = dot(q.vector(), dv[i]);
        top.offer(Long.toString(docs.get(i).key()), s);
        if (docs.get(i).key() == q.positiveKey()) {
          pos = s;
        }
      }
      List<NegativeSelection.Candidate> hits = new ArrayList<>();
      for (TopK.Hit h : top.sorted()) {
        Doc d = docs.get(index.get(Long.parseLong(h.docId())));
        hits.add(new NegativeSelection.Candidate(d.key(), d.text(), h.score()));
      }
      out.add(new Tuple2<>(q.id(), new ShardHits(hits, pos)));
    }
    return out.iterator();
  }

  private static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /** Adds each query's embedding (queries of one partition, embedded in batches). */
  public static Iterator<Query> withVectors(Iterator<Query> qs, String model,
      Configuration conf) {
    TextEmbedder e = Models.embedder(model, Inference.DEFAULT, conf, Embedder.threads());
    List<Query> batch = new ArrayList<>();
    qs.forEachRemaining(batch::add);
    float[][] v = embed(e, batch.stream().map(Query::text).toList());
    List<Query> out = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Query q = batch.get(i);
      out.add(new Query(q.id(), q.task(), q.queryKey(), q.positiveKey(), q.text(),
          q.knownPositives(), v[i]));
    }
    return out.iterator();
  }
}
