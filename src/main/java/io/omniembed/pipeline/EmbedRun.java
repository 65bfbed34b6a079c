package io.omniembed.pipeline;

import io.omniembed.io.HadoopFiles;
import io.omniembed.io.OutputPrecision;
import io.omniembed.io.PartFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The state of an {@code embed} output directory that makes the job resumable and idempotent.
 *
 * <ul>
 *   <li>{@code OUT/_embed.json}, the plan, written before any unit: the input (path and a
 *       fingerprint of its files' names, sizes and modification times), the model (id and
 *       parameter hash), the output dimension, the token limit, the number of units, the
 *       output precision, the table options (id, text or item column, kept columns) and the
 *       cuts that assign records to units by size ({@link UnitAssignment}; a plan without them,
 *       from before they existed, assigns by a hash of file and content). Either way a unit
 *       holds the same rows on every run, whatever the cluster's parallelism.</li>
 *   <li>{@code OUT/_units/part-NNNNN.json}, one marker per committed unit, written (by rename)
 *       after the unit's Parquet and error files are in place, with its counts and its rows of
 *       the job's sample. A unit is committed exactly when its marker exists.</li>
 * </ul>
 * A re-run with the same plan skips committed units and embeds the rest; a re-run of a
 * finished job does nothing; a re-run with a different plan is refused with the difference
 * named.
 */
public final class EmbedRun {

  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String PLAN = "_embed.json";
  public static final String UNITS = "_units";

  /**
   * What must be the same for two runs to write the same output. A plan written before the table
   * options existed reads as the defaults (float32, no column options), so such an output still
   * resumes.
   */
  public record Plan(String input, String inputFingerprint, String modelId, String modelHash,
      int dim, int maxLength, int units, OutputPrecision precision, EmbedInput.Columns columns,
      String prompt, String engine, String enginePrecision, UnitAssignment assignment) {

    public String toJson() {
      ObjectNode n = JSON.createObjectNode();
      n.put("format", "omniembed-embed-1");
      n.put("input", input);
      n.put("input_fingerprint", inputFingerprint);
      n.put("model_id", modelId);
      n.put("model_hash", modelHash);
      n.put("dim", dim);
      n.put("max_length", maxLength);
      n.put("units", units);
      n.put("output_precision", precision.key());
      n.put("id_col", columns.idCol());
      n.put("text_col", columns.textCol());
      n.put("item_col", columns.itemCol());
      ArrayNode keep = n.putArray("keep_cols");
      columns.keepCols().forEach(keep::add);
      n.put("prompt", prompt);
      n.put("engine", engine);
      n.put("engine_precision", enginePrecision);
      if (assignment != null) {
        n.set("unit_cuts", assignment.toJson());
      }
      return n.toPrettyString();
    }

    static Plan fromJson(String path, String json) throws IOException {
      JsonNode n = JSON.readTree(json);
      if (n == null || !"omniembed-embed-1".equals(n.path("format").asText())) {
        throw new IOException(path + ": not an embed plan (format omniembed-embed-1)");
      }
      List<String> keep = new ArrayList<>();
      n.path("keep_cols").forEach(k -> keep.add(k.asText()));
      return new Plan(n.path("input").asText(), n.path("input_fingerprint").asText(),
          n.path("model_id").asText(), n.path("model_hash").asText(), n.path("dim").asInt(),
          n.path("max_length").asInt(), n.path("units").asInt(),
          OutputPrecision.parse(n.path("output_precision").asText("float32")),
          new EmbedInput.Columns(n.path("id_col").asText(""), n.path("text_col").asText(""),
              n.path("item_col").asText(""), keep), n.path("prompt").asText(""),
          n.path("engine").asText(""), n.path("engine_precision").asText(""),
          UnitAssignment.fromJson(n.path("unit_cuts"), n.path("units").asInt()));
    }

    /** The fields that differ from {@code other}, as "name: this vs other". */
    public List<String> differences(Plan other) {
      Map<String, Object[]> fields = new LinkedHashMap<>();
      fields.put("input", new Object[] {input, other.input});
      fields.put("input files (names, sizes, times)",
          new Object[] {inputFingerprint, other.inputFingerprint});
      fields.put("model", new Object[] {modelId, other.modelId});
      fields.put("model parameters (hash)", new Object[] {modelHash, other.modelHash});
      fields.put("dim", new Object[] {dim, other.dim});
      fields.put("max length", new Object[] {maxLength, other.maxLength});
      fields.put("units (--partitions)", new Object[] {units, other.units});
      fields.put("--output-precision", new Object[] {precision.key(), other.precision.key()});
      fields.put("--id-col", new Object[] {option(columns.idCol()),
          option(other.columns.idCol())});
      fields.put("--text-col", new Object[] {option(columns.textCol()),
          option(other.columns.textCol())});
      fields.put("--item-col", new Object[] {option(columns.itemCol()),
          option(other.columns.itemCol())});
      fields.put("--keep-cols", new Object[] {option(String.join(",", columns.keepCols())),
          option(String.join(",", other.columns.keepCols()))});
      fields.put("prompt", new Object[] {"'" + prompt + "'", "'" + other.prompt + "'"});
      if (!engine.isEmpty() && !other.engine.isEmpty()) {   // plans before engines: either
        fields.put("engine (--engine, --precision)", new Object[] {engine + " "
            + enginePrecision, other.engine + " " + other.enginePrecision});
      }
      List<String> out = new ArrayList<>();
      fields.forEach((name, v) -> {
        if (!v[0].equals(v[1])) {
          out.add(name + ": " + v[0] + " vs " + v[1]);
        }
      });
      return out;
    }

    private static String option(String value) {
      return value.isEmpty() ? "(none)" : value;
    }
  }

  private EmbedRun() {}

  /** The plan of an earlier run in {@code out}, or null when there is none. */
  public static Plan readPlan(String out, Configuration conf) throws IOException {
    String path = HadoopFiles.child(out, PLAN);
    if (!HadoopFiles.exists(path, conf)) {
      return null;
    }
    return Plan.fromJson(path, HadoopFiles.readString(path, conf));
  }

  public static void writePlan(String out, Plan plan, Configuration conf) throws IOException {
    HadoopFiles.writeString(HadoopFiles.child(out, PLAN), plan.toJson(), conf);
  }

  /**
   * SHA-256 over the sorted (path, length, modification time) of every data file under
   * {@code input} (a file, directory or glob): a changed, added or removed file changes it.
   */
  public static String fingerprint(String input, Configuration conf) throws IOException {
    Path p = new Path(input);
    FileSystem fs = p.getFileSystem(conf);
    FileStatus[] matches = fs.globStatus(p);
    Set<String> entries = new TreeSet<>();
    if (matches != null) {
      for (FileStatus m : matches) {
        if (m.isFile()) {
          entries.add(entry(m));
          continue;
        }
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(m.getPath(), true);
        while (files.hasNext()) {
          LocatedFileStatus f = files.next();
          if (!hidden(m.getPath(), f.getPath())) {
            entries.add(entry(f));
          }
        }
      }
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String e : entries) {
        sha.update((e + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String entry(FileStatus f) {
    return f.getPath() + "\t" + f.getLen() + "\t" + f.getModificationTime();
  }

  /** Spark skips files and directories whose name starts with '_' or '.'. */
  private static boolean hidden(Path root, Path file) {
    for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
      String name = p.getName();
      if (name.startsWith("_") || name.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** The numbers of the units committed in {@code out}. */
  public static Set<Integer> committedUnits(String out, Configuration conf) throws IOException {
    Set<Integer> units = new TreeSet<>();
    Path dir = new Path(HadoopFiles.child(out, UNITS));
    FileSystem fs = HadoopFiles.fs(out, conf);
    if (!fs.exists(dir)) {
      return units;
    }
    for (FileStatus f : fs.listStatus(dir)) {
      String name = f.getPath().getName();
      if (name.matches("part-\\d{5}\\.json")) {
        units.add(Integer.parseInt(name.substring(5, 10)));
      }
    }
    return units;
  }

  public static String unitMarker(String out, int unit) {
    return HadoopFiles.child(HadoopFiles.child(out, UNITS), PartFiles.stem(unit) + ".json");
  }

  /** The marker's JSON: the unit's counts and sample rows. */
  static String markerJson(EmbedPartition.Summary s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("partition", s.partition());
    n.put("embedded", s.embedded());
    n.put("failed", s.failed());
    n.put("truncated", s.truncated());
    n.put("tokens", s.tokens());
    n.put("seconds", s.seconds());
    ArrayNode sample = n.putArray("sample");
    for (EmbedPartition.SampleRow r : s.sample()) {
      sample.add(r.toJson().put("key", r.key()));
    }
    return n.toString();
  }

  /** Reads a committed unit's marker back into its summary (seconds = 0: no work this run). */
  public static EmbedPartition.Summary readUnit(String out, int unit, Configuration conf)
      throws IOException {
    String path = unitMarker(out, unit);
    JsonNode n = JSON.readTree(HadoopFiles.readString(path, conf));
    List<EmbedPartition.SampleRow> sample = new ArrayList<>();
    for (JsonNode r : n.path("sample")) {
      sample.add(EmbedPartition.SampleRow.fromJson(r.path("key").asLong(), r));
    }
    return new EmbedPartition.Summary(unit, n.path("embedded").asLong(),
        n.path("failed").asLong(), n.path("truncated").asLong(), n.path("tokens").asLong(), 0,
        sample);
  }
}
