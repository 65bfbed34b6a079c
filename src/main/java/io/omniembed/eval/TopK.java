package io.omniembed.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The k best-scored documents of one query, kept in a bounded heap. Ties break by document id
 * (ascending), so rankings are deterministic whatever order documents arrive in, and partial
 * top-k lists from several corpus partitions merge into the same result as one pass.
 */
public final class TopK {

  /** A scored document. */
  public record Hit(String docId, float score) {}

  /** Best first: higher score, then smaller id. */
  public static final Comparator<Hit> BEST_FIRST = Comparator.comparingDouble(Hit::score)
      .reversed().thenComparing(Hit::docId);

  private final int k;
  private final PriorityQueue<Hit> heap;   // worst on top

  public TopK(int k) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be > 0");
    }
    this.k = k;
    this.heap = new PriorityQueue<>(k + 1, BEST_FIRST.reversed());
  }

  public void offer(String docId, float score) {
    if (heap.size() < k) {
      heap.add(new Hit(docId, score));
      return;
    }
    Hit worst = heap.peek();
    if (score < worst.score()) {
      return;   // the common case over a large corpus: rejected without allocating a Hit
    }
    Hit candidate = new Hit(docId, score);
    if (BEST_FIRST.compare(candidate, worst) < 0) {
      heap.poll();
      heap.add(candidate);
    }
  }

  /** The hits, best first. */
  public List<Hit> sorted() {
    List<Hit> out = new ArrayList<>(heap);
    out.sort(BEST_FIRST);
    return out;
  }
}
