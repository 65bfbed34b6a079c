package io.omniembed.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKTest {

  @Test
  void mergingPartitionTopListsEqualsOnePassWhateverTheOrder() {
    Random r = new Random(1);
    List<TopK.Hit> all = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      all.add(new TopK.Hit("d" + i, (float) Math.round(r.nextGaussian() * 4) / 4));   // ties
    }
    TopK onePass = new TopK(10);
    all.forEach(h -> onePass.offer(h.docId(), h.score()));

    Collections.shuffle(all, r);
    TopK merged = new TopK(10);
    for (int p = 0; p < 5; p++) {
      TopK part = new TopK(10);
      all.subList(p * 100, (p + 1) * 100).forEach(h -> part.offer(h.docId(), h.score()));
      part.sorted().forEach(h -> merged.offer(h.docId(), h.score()));
    }
    assertEquals(onePass.sorted(), merged.sorted());
    List<TopK.Hit> expected = new ArrayList<>(all);
    expected.sort(TopK.BEST_FIRST);
    assertEquals(expected.subList(0, 10), onePass.sorted());
  }
}
