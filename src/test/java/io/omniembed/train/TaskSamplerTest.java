package io.omniembed.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.config.TaskConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskSamplerTest {

  private static final List<TaskConfig> TASKS = List.of(
      new TaskConfig("a", "ta", 3.0, 4), new TaskConfig("b", "tb", 1.0, 2));

  @Test
  void ratesBatchSizesAndEpochCoverage() {
    TaskSampler s = new TaskSampler(TASKS, new int[] {8, 5}, 42);
    int a = 0;
    Set<Integer> seenA = new HashSet<>();
    int drawsA = 0;
    for (int step = 1; step <= 4000; step++) {
      TaskSampler.Draw d = s.draw(step);
      assertEquals(d.task().equals("a") ? 4 : 2, d.indices().length);
      if (d.task().equals("a")) {
        a++;
        if (drawsA++ < 2) {
          for (int i : d.indices()) {
            seenA.add(i);
          }
        }
      }
    }
    assertEquals(0.75, a / 4000.0, 0.03, "task a has 3/4 of the rate");
    assertEquals(8, seenA.size(), "the first epoch of a task visits each example once");
  }

  @Test
  void anyStepCanBeAskedAgainAndGivesTheSameBatch() {
    TaskSampler first = new TaskSampler(TASKS, new int[] {8, 5}, 7);
    TaskSampler.Draw[] draws = new TaskSampler.Draw[31];
    for (int step = 1; step <= 30; step++) {
      draws[step] = first.draw(step);
    }
    TaskSampler resumed = new TaskSampler(TASKS, new int[] {8, 5}, 7);
    for (int step = 17; step <= 30; step++) {
      TaskSampler.Draw d = resumed.draw(step);
      assertEquals(draws[step].task(), d.task());
      assertArrayEquals(draws[step].indices(), d.indices());
    }
    TaskSampler other = new TaskSampler(TASKS, new int[] {8, 5}, 8);
    boolean differs = false;
    for (int step = 1; step <= 30; step++) {
      differs |= !java.util.Arrays.equals(draws[step].indices(), other.draw(step).indices());
    }
    assertTrue(differs, "another seed gives another schedule");
  }
}
