package io.omniembed.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each false-negative rule on its own, and their counts. */
class NegativeSelectionTest {

  /** Candidates d1..d8 with scores 8..1 (d1 best), given in a shuffled order. */
  static List<NegativeSelection.Candidate> candidates() {
    List<NegativeSelection.Candidate> c = new ArrayList<>();
    for (int i : new int[] {5, 2, 8, 1, 7, 3, 6, 4}) {
      c.add(new NegativeSelection.Candidate(i, "d" + i, 9 - i));
    }
    return c;
  }

  @Test
  void rankWindowSameContentKnownPositivesAndMargin() {
    // ranks 2..7 → d2..d7; d3 is the positive, d4 the query, d5 a known positive; the positive
    // scores 6 (d3), so with R = 0.9 anything above 5.4 (d2: 7) is too close.
    NegativeSelection.Selected s = NegativeSelection.select(candidates(), 4, 3, Set.of(3L, 5L),
        6, Set.of(), new NegativeSelection.Settings(2, 7, 0.9, 5));
    assertEquals(List.of("d6", "d7"), s.negatives());
    assertEquals(new NegativeSelection.Counts(2, 2, 1, 1, 2, 1), s.counts());
  }

  @Test
  void keepsCountIncludingTheExamplesOwnNegativesAndNoMarginWhenOff() {
    NegativeSelection.Selected s = NegativeSelection.select(candidates(), 100, 101, Set.of(101L),
        Double.NaN, Set.of(2L), new NegativeSelection.Settings(1, 10, 0.95, 3));
    assertEquals(List.of("d1", "d3"), s.negatives(), "d2 is already the example's negative");
    NegativeSelection.Selected off = NegativeSelection.select(candidates(), 100, 1, Set.of(1L),
        1.0, Set.of(), new NegativeSelection.Settings(1, 10, 0, 2));
    assertEquals(List.of("d2", "d3"), off.negatives(), "R = 0: no score margin");
  }

  @Test
  void badSettingsAreRefused() {
    assertEquals("rank range must be FROM:TO with 1 <= FROM <= TO, got 0:5", assertThrows(
        IllegalArgumentException.class, () -> new NegativeSelection.Settings(0, 5, 0.9, 1))
        .getMessage());
  }

  @Test
  void contentKeysIgnoreCaseAndSpacingOnly() {
    assertEquals(ContentKey.of("The  cat\n sat"), ContentKey.of("the cat sat"));
    assertEquals(false, ContentKey.of("the cat sat") == ContentKey.of("the cat sat."));
  }
}
