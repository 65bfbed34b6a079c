package io.omniembed.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniembed.data.ItemParser;
import io.omniembed.data.Seeds;
import io.omniembed.data.text.TextTokenizer;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.Partitioner;

/**
 * Which {@code embed} unit a record belongs to: units hold records of similar size, and each
 * unit about the same share of the work.
 *
 * <p>A unit is embedded in batches sorted by length within the unit. With records spread over
 * the units at random, each unit holds the whole mix of lengths, and its batches of
 * {@code --batch-size} are padded to longer sequences than one sort of the whole corpus would
 * give (on 1,600 Javadoc sentences in 4 units: 11% more padded positions). Cutting the size order
 * into consecutive ranges instead gives each unit's batches the padding of the global sort.
 * The records are tokenised twice more for this (the sizing pass, and the shuffle into units),
 * before the units are embedded: tokenising is about 1% of the embedding's work.
 *
 * <p>A record's size is its number of tokens under the model's tokenizer, at most {@link #cap},
 * the model's token limit (longer text is truncated to it); a record with an image, audio or video
 * part counts as {@code cap}, and one that cannot be parsed as 0 (it becomes an error row). The
 * cuts are chosen from the input's histogram of sizes so that every unit gets about an equal share
 * of the estimated work ({@link #cost}: per token, plus attention's share that grows with the
 * length); a cut may fall inside one size, and the records of that size are then split by a hash
 * of their file and content. Everything depends on the records only, so a unit
 * holds the same records on every run, whatever the cluster's parallelism (what resuming relies
 * on), and the cuts are kept in the run's plan.
 */
public record UnitAssignment(int units, int cap, int[] cutSizes, double[] cutFractions)
    implements Serializable {

  /**
   * The sequence length at which attention's work per token equals the rest of the layer's: for
   * a BERT layer of width H, 4·L·H against 12·H² multiply-adds per token, so L = 3·H (1,152 for
   * MiniLM's 384).
   */
  static final double ATTENTION_LENGTH = 1152;
  private static final ObjectMapper JSON = new ObjectMapper();

  public UnitAssignment {
    if (units < 1) {
      throw new IllegalArgumentException("units must be >= 1, got " + units);
    }
    if (cutSizes.length != units - 1 || cutFractions.length != units - 1) {
      throw new IllegalArgumentException(units + " units need " + (units - 1) + " cuts, got "
          + cutSizes.length + " and " + cutFractions.length);
    }
  }

  /** The size a record counts as (see the class comment), in tokens of {@code tokenizer}. */
  public static int size(String record, TextTokenizer tokenizer, int cap) {
    if (record == null || !(ItemParser.parseRecord(record) instanceof ItemParser.Ok ok)) {
      return 0;
    }
    if (!ok.item().isTextOnly()) {
      return cap;
    }
    return Math.min(cap, tokenizer.encode(ok.item().joinedText(), cap).ids().length);
  }

  /**
   * Cuts for {@code units} units over a histogram of sizes (size → records), each unit getting
   * about an equal share of the records' summed {@link #cost}.
   */
  public static UnitAssignment balanced(Map<Integer, Long> histogram, int units, int cap) {
    TreeMap<Integer, Long> sorted = new TreeMap<>(histogram);
    double total = 0;
    for (Map.Entry<Integer, Long> e : sorted.entrySet()) {
      total += cost(e.getKey()) * e.getValue();
    }
    int[] sizes = new int[units - 1];
    double[] fractions = new double[units - 1];
    double before = 0;   // cost of all sizes below the current one
    int cut = 0;
    for (Map.Entry<Integer, Long> e : sorted.entrySet()) {
      double here = cost(e.getKey()) * e.getValue();
      while (cut < units - 1 && (cut + 1) * total / units < before + here) {
        sizes[cut] = e.getKey();
        fractions[cut] = ((cut + 1) * total / units - before) / here;
        cut++;
      }
      before += here;
    }
    int last = sorted.isEmpty() ? 0 : sorted.lastKey();
    for (; cut < units - 1; cut++) {   // rounding at the very end: the remaining units stay empty
      sizes[cut] = last;
      fractions[cut] = 1.0;
    }
    return new UnitAssignment(units, cap, sizes, fractions);
  }

  /**
   * The estimated work of embedding a record of {@code size} tokens, in token units: each token
   * costs 1 + size / {@link #ATTENTION_LENGTH}, and the row one token more (reading, writing).
   */
  static double cost(int size) {
    return size * (1 + size / ATTENTION_LENGTH) + 1;
  }

  /** The unit of a record read from {@code source}, of {@code size} tokens ({@link #size}). */
  public int unit(String source, String record, int size) {
    double h = fraction(source, record);
    int u = 0;
    while (u < cutSizes.length && (cutSizes[u] < size
        || (cutSizes[u] == size && cutFractions[u] <= h))) {
      u++;
    }
    return u;
  }

  /** A number in [0, 1) from the record's file and content, the same in every JVM. */
  static double fraction(String source, String record) {
    long h = Seeds.mix(source == null ? 0 : source.hashCode(),
        record == null ? 0 : record.hashCode(), record == null ? 0 : record.length());
    return (h >>> 11) * 0x1.0p-53;
  }

  /** Spark's partitioner that puts unit {@code u} in partition {@code u}. */
  public Partitioner partitioner() {
    return new ByUnit(units);
  }

  /** The cuts as kept in the plan. */
  public ObjectNode toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("cap", cap);
    ArrayNode cuts = n.putArray("cuts");
    for (int i = 0; i < cutSizes.length; i++) {
      cuts.addObject().put("size", cutSizes[i]).put("fraction", cutFractions[i]);
    }
    return n;
  }

  /** The cuts of a plan's {@code unit_cuts}, or null when the plan has none (hashed units). */
  static UnitAssignment fromJson(JsonNode n, int units) {
    if (n == null || n.isMissingNode() || n.isNull()) {
      return null;
    }
    JsonNode cuts = n.path("cuts");
    int[] sizes = new int[cuts.size()];
    double[] fractions = new double[cuts.size()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = cuts.get(i).path("size").asInt();
      fractions[i] = cuts.get(i).path("fraction").asDouble();
    }
    return new UnitAssignment(units, n.path("cap").asInt(), sizes, fractions);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UnitAssignment a && a.units == units && a.cap == cap
        && Arrays.equals(a.cutSizes, cutSizes) && Arrays.equals(a.cutFractions, cutFractions);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * units + cap) + Arrays.hashCode(cutSizes);
  }

  @Override
  public String toString() {
    return "UnitAssignment" + toJson();
  }

  private static final class ByUnit extends Partitioner {
    private final int units;

    ByUnit(int units) {
      this.units = units;
    }

    @Override
    public int numPartitions() {
      return units;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ByUnit b && b.units == units;
    }

    @Override
    public int hashCode() {
      return units;
    }
  }
}
