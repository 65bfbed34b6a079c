package io.omniembed.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniembed.io.HadoopFiles;
import io.omniembed.io.Checkpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a training checkpoint holds beyond the model: the optimizer's moments
 * ({@code optimizer.bin}, float32 m then v) and the training position ({@code training.json}:
 * step, optimizer step count, seed, hash of the optimizer file). Random choices derive from
 * (seed, step), so these are all a resumed run needs to continue exactly.
 */
public final class TrainingState {

  public static final String OPTIMIZER_FILE = "optimizer.bin";
  public static final String POSITION_FILE = "training.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A training position read back from a checkpoint. */
  public record Position(int step, long optimizerSteps, long seed, float[] firstMoment,
      float[] secondMoment) {}

  private TrainingState() {}

  /** The extra files of a checkpoint at {@code step}. */
  static Map<String, byte[]> files(int step, long seed, AdamW optimizer) throws IOException {
    float[] m = optimizer.firstMoment();
    float[] v = optimizer.secondMoment();
    float[] both = Arrays.copyOf(m, m.length + v.length);
    System.arraycopy(v, 0, both, m.length, v.length);
    byte[] bytes = Checkpoint.toBytes(both);
    Map<String, Object> position = new LinkedHashMap<>();
    position.put("format", "omniembed-training-v1");
    position.put("step", step);
    position.put("optimizer_steps", optimizer.steps());
    position.put("seed", seed);
    position.put("optimizer_sha256", Checkpoint.sha256(bytes));
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(OPTIMIZER_FILE, bytes);
    files.put(POSITION_FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(position)
        .getBytes(StandardCharsets.UTF_8));
    return files;
  }

  public static Position read(String dir, Configuration conf) throws IOException {
    String positionPath = HadoopFiles.child(dir, POSITION_FILE);
    JsonNode p = JSON.readTree(HadoopFiles.readString(positionPath, conf));
    if (!"omniembed-training-v1".equals(p.path("format").asText())) {
      throw new IOException(positionPath + ": not a training position file");
    }
    String optimizerPath = HadoopFiles.child(dir, OPTIMIZER_FILE);
    byte[] bytes = HadoopFiles.readBytes(optimizerPath, conf);
    if (!Checkpoint.sha256(bytes).equals(p.path("optimizer_sha256").asText())) {
      throw new IOException(optimizerPath + ": SHA-256 does not match " + positionPath
          + "; the file was modified or truncated");
    }
    float[] both = Checkpoint.toFloats(bytes);
    int half = both.length / 2;
    return new Position(p.get("step").asInt(), p.get("optimizer_steps").asLong(),
        p.get("seed").asLong(), Arrays.copyOfRange(both, 0, half),
        Arrays.copyOfRange(both, half, both.length));
  }

  /** The latest complete {@code step-N} checkpoint under {@code out}, or null. */
  public static String latest(String out, Configuration conf) throws IOException {
    Path root = new Path(out);
    FileSystem fs = HadoopFiles.fs(out, conf);
    if (!fs.exists(root)) {
      return null;
    }
    int best = -1;
    for (FileStatus s : fs.listStatus(root)) {
      String name = s.getPath().getName();
      if (s.isDirectory() && name.matches("step-\\d+")
          && fs.exists(new Path(s.getPath(), POSITION_FILE))
          && fs.exists(new Path(s.getPath(), Checkpoint.MANIFEST_FILE))) {
        best = Math.max(best, Integer.parseInt(name.substring(5)));
      }
    }
    return best < 0 ? null : HadoopFiles.child(out, "step-" + best);
  }
}
