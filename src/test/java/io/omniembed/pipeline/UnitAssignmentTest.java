package io.omniembed.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.data.text.TextTokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Records cut into units by size: balanced work, consecutive sizes, the same on every run. */
class UnitAssignmentTest {

  private static final int CAP = 256;
  private static final TextTokenizer TOKENIZER = TextTokenizer.bundledMiniLm();

  /** JSON text records with lengths drawn like sentences: mostly short, a long tail. */
  private static List<String> records(int n, long seed) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int words = 3 + (int) Math.min(400, Math.abs(r.nextGaussian() * 12 + r.nextGaussian() * 30
          * (r.nextDouble() < 0.2 ? 1 : 0.1)));
      StringBuilder t = new StringBuilder("{\"id\":\"r" + i + "\",\"text\":\"");
      for (int w = 0; w < words; w++) {
        t.append(w == 0 ? "" : " ").append("w").append(r.nextInt(1000));
      }
      out.add(t.append("\"}").toString());
    }
    return out;
  }

  private static Map<Integer, Long> histogram(List<String> records) {
    Map<Integer, Long> h = new HashMap<>();
    for (String rec : records) {
      h.merge(size(rec), 1L, Long::sum);
    }
    return h;
  }

  private static int size(String rec) {
    return UnitAssignment.size(rec, TOKENIZER, CAP);
  }

  private static double cost(String rec) {
    return UnitAssignment.cost(size(rec));
  }

  @Test
  void unitsHoldConsecutiveSizesAndEqualWork() {
    List<String> records = records(5000, 7);
    int units = 7;
    UnitAssignment a = UnitAssignment.balanced(histogram(records), units, CAP);
    double[] work = new double[units];
    int[] min = new int[units];
    int[] max = new int[units];
    java.util.Arrays.fill(min, Integer.MAX_VALUE);
    double total = 0;
    for (String rec : records) {
      int u = a.unit("part-0.jsonl", rec, size(rec));
      work[u] += cost(rec);
      total += cost(rec);
      int size = size(rec);
      min[u] = Math.min(min[u], size);
      max[u] = Math.max(max[u], size);
    }
    for (int u = 0; u < units; u++) {
      assertEquals(total / units, work[u], 0.03 * total / units, "unit " + u + " work");
      if (u > 0) {
        assertTrue(max[u - 1] <= min[u], "unit " + (u - 1) + " sizes up to " + max[u - 1]
            + ", unit " + u + " from " + min[u]);
      }
    }
  }

  @Test
  void recordsOfOneSizeAreSplitByHash() {
    List<String> records = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      records.add(String.format("{\"id\":\"%06d\",\"text\":\"same length\"}", i));
    }
    UnitAssignment a = UnitAssignment.balanced(histogram(records), 4, CAP);
    int[] count = new int[4];
    for (String rec : records) {
      count[a.unit(null, rec, size(rec))]++;
    }
    for (int c : count) {
      assertEquals(500, c, 75, "records per unit " + java.util.Arrays.toString(count));
    }
  }

  @Test
  void sizesAreTokensCappedAtTheLimitAndMediaCountsAsTheLimit() {
    assertEquals(CAP, size("{\"id\":\"a\",\"image\":\"x.png\"}"));
    assertEquals(CAP, size("{\"id\":\"a\",\"parts\":[{\"type\":\"text\",\"text\":\"hi\"},"
        + "{\"type\":\"audio\",\"uri\":\"x.wav\"}]}"));
    assertEquals(CAP, size("{\"id\":\"a\",\"text\":\"" + "word ".repeat(2 * CAP) + "\"}"));
    assertEquals(TOKENIZER.encode("two words", CAP).ids().length,
        size("{\"id\":\"a\",\"text\":\"two words\"}"));
    assertEquals(0, size("not json"), "an unreadable record: an error row, no work");
  }

  /**
   * What the cuts are for: batches sorted within size-cut units are padded as little as one sort
   * of everything, and clearly less than within units of records spread at random.
   */
  @Test
  void sortedBatchesWithinUnitsArePaddedLikeOneGlobalSort() {
    List<String> records = records(1600, 3);
    int units = 4;
    int batch = 32;
    UnitAssignment a = UnitAssignment.balanced(histogram(records), units, CAP);
    List<List<Integer>> bySize = new ArrayList<>();
    List<List<Integer>> random = new ArrayList<>();
    for (int u = 0; u < units; u++) {
      bySize.add(new ArrayList<>());
      random.add(new ArrayList<>());
    }
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      int size = size(records.get(i));
      bySize.get(a.unit(null, records.get(i), size)).add(size);
      random.get(i % units).add(size);
      all.add(size);
    }
    long global = padded(all, batch);
    long cut = bySize.stream().mapToLong(u -> padded(u, batch)).sum();
    long spread = random.stream().mapToLong(u -> padded(u, batch)).sum();
    assertTrue(cut <= global * 1.02, "size-cut units " + cut + " vs one sort " + global);
    assertTrue(spread > global * 1.05, "spread units " + spread + " vs one sort " + global);
  }

  private static long padded(List<Integer> sizes, int batch) {
    List<Integer> s = new ArrayList<>(sizes);
    s.sort(null);
    long padded = 0;
    for (int i = 0; i < s.size(); i += batch) {
      int end = Math.min(s.size(), i + batch);
      padded += (long) (end - i) * s.get(end - 1);
    }
    return padded;
  }

  @Test
  void theSameRecordGoesToTheSameUnitAndTheCutsSurviveThePlan() throws Exception {
    List<String> records = records(800, 11);
    UnitAssignment a = UnitAssignment.balanced(histogram(records), 5, CAP);
    UnitAssignment back = UnitAssignment.fromJson(
        new ObjectMapper().readTree(a.toJson().toString()), 5);
    assertEquals(a, back);
    for (String rec : records) {
      assertEquals(a.unit("f.jsonl", rec, size(rec)), back.unit("f.jsonl", rec, size(rec)));
    }
    assertEquals(null, UnitAssignment.fromJson(new ObjectMapper().readTree("{}").path("x"), 5),
        "a plan without cuts assigns by hash");
  }

  @Test
  void aPlanKeepsItsCutsAndAnOlderPlanReadsAsHashedUnits() throws Exception {
    UnitAssignment a = UnitAssignment.balanced(histogram(records(300, 5)), 3, CAP);
    EmbedRun.Plan plan = new EmbedRun.Plan("in.jsonl", "f", "m", "h", 384, CAP, 3,
        io.omniembed.io.OutputPrecision.parse("float32"), new EmbedInput.Columns("", "", "",
            List.of()), "", "onnx", "fp32", a);
    EmbedRun.Plan back = EmbedRun.Plan.fromJson("_embed.json", plan.toJson());
    assertEquals(a, back.assignment());
    assertEquals(List.of(), back.differences(plan));
    com.fasterxml.jackson.databind.node.ObjectNode older =
        (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(plan.toJson());
    older.remove("unit_cuts");
    assertEquals(null, EmbedRun.Plan.fromJson("_embed.json", older.toString()).assignment(),
        "an output planned before the cuts resumes with its hash-assigned units");
  }

  @Test
  void oneUnitTakesEverything() {
    UnitAssignment a = UnitAssignment.balanced(histogram(records(50, 1)), 1, CAP);
    for (String rec : records(50, 1)) {
      assertEquals(0, a.unit(null, rec, size(rec)));
    }
  }
}
