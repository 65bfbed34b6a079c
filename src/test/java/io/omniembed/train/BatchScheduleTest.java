package io.omniembed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.config.TaskConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The data-side view of the schedule agrees with the sampler's draws, slot for slot. */
class BatchScheduleTest {

  @Test
  void permutationsAreBijectionsWithInverses() {
    for (int n : new int[] {1, 2, 3, 7, 64, 1000, 4097}) {
      Permutation p = new Permutation(n, 12345L * n);
      Set<Long> seen = new HashSet<>();
      for (long i = 0; i < n; i++) {
        long x = p.apply(i);
        assertTrue(x >= 0 && x < n);
        seen.add(x);
        assertEquals(i, p.inverse(x));
      }
      assertEquals(n, seen.size(), "bijection on " + n);
    }
    long moved = 0;
    Permutation p = new Permutation(1000, 1);
    for (long i = 0; i < 1000; i++) {
      moved += p.apply(i) == i ? 0 : 1;
    }
    assertTrue(moved > 980, "shuffles: " + moved + " of 1000 moved");
  }

  @Test
  void everyDrawnSlotIsFoundFromItsExample() {
    List<TaskConfig> tasks = List.of(new TaskConfig("a", "", 3.0, 4),
        new TaskConfig("b", "", 1.0, 3), new TaskConfig("c", "", 0.5, 5));
    int[] sizes = {10, 3, 5};   // b: batch equals the pool; c: batch larger than the pool
    int steps = 60;
    TaskSampler sampler = new TaskSampler(tasks, sizes, 7);
    BatchSchedule schedule = new BatchSchedule(sampler, steps);
    Set<String> drawn = new HashSet<>();
    for (int s = 1; s <= steps; s++) {
      TaskSampler.Draw d = sampler.draw(s);
      int t = sampler.taskOf(s);
      for (int slot = 0; slot < d.indices().length; slot++) {
        drawn.add(t + ":" + d.indices()[slot] + "@" + s + "/" + slot);
      }
    }
    Set<String> found = new HashSet<>();
    for (int t = 0; t < tasks.size(); t++) {
      for (int i = 0; i < sizes[t]; i++) {
        for (BatchSchedule.Use u : schedule.uses(t, i)) {
          found.add(t + ":" + i + "@" + u.step() + "/" + u.slot());
        }
      }
    }
    assertEquals(drawn, found);
  }

  @Test
  void workersOwnContiguousNearlyEqualShares() {
    for (int batch : new int[] {3, 5, 8, 32}) {
      for (int w = 1; w <= 3 && w <= batch; w++) {
        int[] count = new int[w];
        int last = 0;
        for (int slot = 0; slot < batch; slot++) {
          int r = BatchSchedule.owner(batch, w, slot);
          assertTrue(r >= last, "contiguous");
          last = r;
          count[r]++;
          assertTrue(slot >= BatchSchedule.shareStart(batch, w, r)
              && slot < BatchSchedule.shareStart(batch, w, r + 1));
        }
        for (int c : count) {
          assertTrue(c == batch / w || c == batch / w + 1, batch + "/" + w);
        }
      }
    }
  }
}
