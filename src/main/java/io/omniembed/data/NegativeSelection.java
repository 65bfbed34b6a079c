package io.omniembed.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Choosing the hard negatives of one query from its retrieved candidates, with the false-negative
 * controls that mined negatives need (NV-Retriever, Moreira et al., 2024, "positive-aware"
 * mining; the rank window of Gemini Embedding's mining):
 * <ol>
 *   <li>candidates ranked best first (score, then key), only ranks {@code rankFrom ..
 *       rankTo} (1-based) considered — the very top is where unlabelled positives hide;</li>
 *   <li>a candidate with the content of the query or the positive is dropped;</li>
 *   <li>a candidate that is a positive of the same query elsewhere in the data is dropped;</li>
 *   <li>a candidate scoring above {@code maxRelativeScore} × the positive's score is dropped
 *       (when the positive's score is known and positive);</li>
 *   <li>the first {@code count} survivors are kept, after the example's own negatives.</li>
 * </ol>
 */
public final class NegativeSelection {

  /** The rules. {@code maxRelativeScore} ≤ 0 turns the score margin off. */
  public record Settings(int rankFrom, int rankTo, double maxRelativeScore, int count)
      implements Serializable {

    public Settings {
      if (rankFrom < 1 || rankTo < rankFrom) {
        throw new IllegalArgumentException("rank range must be FROM:TO with 1 <= FROM <= TO, got "
            + rankFrom + ":" + rankTo);
      }
      if (count < 0) {
        throw new IllegalArgumentException("--num-negatives must be >= 0, got " + count);
      }
    }
  }

  /** A retrieved document: its content key, text and score (higher is closer). */
  public record Candidate(long key, String text, double score) implements Serializable {}

  /** How many candidates each rule removed, and the outcome for the query. */
  public record Counts(long outsideRanks, long sameContent, long knownPositive, long tooClose,
      long kept, long queriesShort) implements Serializable {

    public static final Counts ZERO = new Counts(0, 0, 0, 0, 0, 0);

    public Counts plus(Counts o) {
      return new Counts(outsideRanks + o.outsideRanks, sameContent + o.sameContent,
          knownPositive + o.knownPositive, tooClose + o.tooClose, kept + o.kept,
          queriesShort + o.queriesShort);
    }
  }

  /** The negatives to add, and the counts. */
  public record Selected(List<String> negatives, Counts counts) {}

  public static final Comparator<Candidate> BEST_FIRST = Comparator
      .comparingDouble(Candidate::score).reversed().thenComparingLong(Candidate::key);

  private NegativeSelection() {}

  /**
   * @param candidates     retrieved documents in any order (shards merged)
   * @param knownPositives content keys of every positive of this query in the data
   * @param positiveScore  the positive's score under the same retriever, NaN if unknown
   * @param existing       content keys of the example's own negatives
   */
  public static Selected select(List<Candidate> candidates, long queryKey, long positiveKey,
      Set<Long> knownPositives, double positiveScore, Set<Long> existing, Settings s) {
    List<Candidate> ranked = new ArrayList<>(candidates);
    ranked.sort(BEST_FIRST);
    List<String> out = new ArrayList<>();
    Set<Long> taken = new HashSet<>(existing);
    long outside = 0;
    long same = 0;
    long known = 0;
    long close = 0;
    int wanted = Math.max(0, s.count() - existing.size());
    for (int i = 0; i < ranked.size(); i++) {
      Candidate c = ranked.get(i);
      int rank = i + 1;
      if (rank < s.rankFrom() || rank > s.rankTo()) {
        outside++;
      } else if (c.key() == queryKey || c.key() == positiveKey) {
        same++;
      } else if (knownPositives.contains(c.key())) {
        known++;
      } else if (s.maxRelativeScore() > 0 && positiveScore > 0
          && c.score() > s.maxRelativeScore() * positiveScore) {
        close++;
      } else if (out.size() < wanted && taken.add(c.key())) {
        out.add(c.text());
      }
    }
    return new Selected(out, new Counts(outside, same, known, close, out.size(),
        out.size() < wanted ? 1 : 0));
  }
}
