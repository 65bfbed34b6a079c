package io.omniembed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package rules that each {@code package-info.java} states, checked on the sources: which
 * project packages a package may use, and where Spark and Hadoop may appear. A new arrow that
 * runs the wrong way (storage importing training, the model importing storage) fails here with
 * the file that draws it.
 */
class LayeringTest {

  private static final Path MAIN = Path.of("src/main/java/io/omniembed");
  private static final Set<String> DATA = Set.of("data", "data.code", "data.media",
      "data.multimodal", "data.parallel", "data.text");

  /** The project packages each package may use (itself and its own sub-packages aside). */
  private static final Map<String, Set<String>> MAY_USE = Map.ofEntries(
      Map.entry("train.collective", Set.of()),
      Map.entry("loss", Set.of()),
      Map.entry("data", Set.of()),
      Map.entry("data.text", Set.of()),
      Map.entry("data.media", Set.of("data")),
      Map.entry("data.code", Set.of("data")),
      Map.entry("data.multimodal", Set.of("data", "data.media")),
      Map.entry("data.parallel", Set.of("data")),
      Map.entry("config", union(DATA)),
      Map.entry("model.layer", union(DATA, "config")),
      Map.entry("model", union(DATA, "config", "model.layer")),
      Map.entry("model.onnx", union(DATA, "config", "model", "model.layer")),
      Map.entry("io", union(DATA, "config", "model", "model.layer", "model.onnx")),
      Map.entry("eval", union(DATA, "config", "model", "model.layer", "model.onnx", "io")),
      Map.entry("train", union(DATA, "config", "model", "model.layer", "io", "loss",
          "train.collective")),
      Map.entry("ml", union(DATA, "config", "model", "model.layer", "model.onnx", "io")),
      Map.entry("pipeline", union(DATA, "config", "model", "model.layer", "model.onnx", "io",
          "eval", "loss", "train", "train.collective", "ml")));

  /** Packages that may not touch Spark or Hadoop at all. */
  private static final Set<String> NO_CLUSTER = union(DATA, "config", "model", "model.layer",
      "model.onnx", "loss", "train.collective");
  /** Packages that may use Hadoop's filesystems but never Spark. */
  private static final Set<String> NO_SPARK = Set.of("train");

  private static final Pattern PROJECT = Pattern.compile("io\\.omniembed\\.([a-z.]+)\\.[A-Z]");

  @Test
  void everyPackageUsesOnlyWhatItsRulesAllow() throws IOException {
    List<String> violations = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String pkg = MAIN.relativize(f.getParent()).toString().replace('/', '.');
        seen.add(pkg);
        String code = stripComments(Files.readString(f));
        Set<String> allowed = MAY_USE.get(pkg);
        if (allowed != null) {
          Matcher m = PROJECT.matcher(code);
          while (m.find()) {
            String used = m.group(1);
            if (!used.equals(pkg) && !used.startsWith(pkg + ".") && !allowed.contains(used)) {
              violations.add(f + " (" + pkg + ") uses " + used);
            }
          }
        }
        if (NO_CLUSTER.contains(pkg) && (code.contains("org.apache.spark")
            || code.contains("org.apache.hadoop"))) {
          violations.add(f + " (" + pkg + ") uses Spark or Hadoop");
        }
        if (NO_SPARK.contains(pkg) && code.contains("org.apache.spark")) {
          violations.add(f + " (" + pkg + ") uses Spark");
        }
      }
    }
    assertEquals(List.of(), violations);
    assertTrue(seen.containsAll(MAY_USE.keySet()), "rules for packages that do not exist: "
        + MAY_USE.keySet() + " vs " + seen);
  }

  @Test
  void everyPackageSaysWhatItHolds() throws IOException {
    List<String> missing = new ArrayList<>();
    try (Stream<Path> dirs = Files.walk(MAIN)) {
      for (Path d : dirs.filter(Files::isDirectory).toList()) {
        boolean hasCode;
        try (Stream<Path> in = Files.list(d)) {
          hasCode = in.anyMatch(p -> p.toString().endsWith(".java"));
        }
        if (hasCode && !Files.exists(d.resolve("package-info.java"))) {
          missing.add(d.toString());
        }
      }
    }
    assertEquals(List.of(), missing);
  }

  /** Comments and string literals out, so a Javadoc link or a message does not count as use. */
  private static String stripComments(String code) {
    return code.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "")
        .replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"");
  }

  private static Set<String> union(Set<String> base, String... more) {
    Set<String> s = new TreeSet<>(base);
    s.addAll(List.of(more));
    return s;
  }
}
