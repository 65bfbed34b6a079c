package io.omniembed.io;

import io.omniembed.model.LoadedModel;
import io.omniembed.model.onnx.OnnxExport;
import io.omniembed.model.onnx.Precision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exported graphs that {@code --engine onnx|auto} runs, made once per model and kept on the
 * machine's local disk, so every executor JVM on a host, and every later job, reuses one export
 * instead of exporting again (never per batch: {@link Models} also keeps the loaded session per
 * JVM).
 *
 * <p>A graph's file name is the SHA-256 of what determines it: the model's parameter hash, its
 * whole architecture config (pooling, position offset, media settings …), the precision and
 * the export format with the project version. The directory is {@code omniembed.onnx.cache} (a
 * system property) or {@code OMNIEMBED_ONNX_CACHE}, else {@code omniembed-onnx} under the first
 * of Spark's local directories ({@code SPARK_LOCAL_DIRS}, YARN's {@code LOCAL_DIRS}) or under
 * {@code java.io.tmpdir}. Files are written beside their final name and renamed into place, so a
 * graph is whole or absent; a graph that cannot be cached (read-only disk) is used from memory.
 */
public final class OnnxGraphCache {

  private static final Logger LOG = LoggerFactory.getLogger(OnnxGraphCache.class);

  private OnnxGraphCache() {}

  /** The serialised graph of {@code model} at {@code precision}, from the cache or exported. */
  public static byte[] graph(LoadedModel model, Precision precision) {
    Path file = directory().resolve(key(model, precision) + ".onnx");
    if (Files.isRegularFile(file)) {
      try {
        byte[] graph = Files.readAllBytes(file);
        LOG.info("{}: {} ONNX graph from {}", model.modelId(), precision.key(), file);
        return graph;
      } catch (IOException e) {
        LOG.warn("{}: cannot read the cached graph {} ({}); exporting again", model.modelId(),
            file, e.getMessage());
      }
    }
    long start = System.nanoTime();
    byte[] graph = OnnxExport.graph(model, precision);
    LOG.info("{}: exported as a {} ONNX graph in {} ms", model.modelId(), precision.key(),
        (System.nanoTime() - start) / 1_000_000);
    store(file, graph);
    return graph;
  }

  /** The cache key of {@code model} at {@code precision} (hex SHA-256). */
  public static String key(LoadedModel model, Precision precision) {
    String identity = String.join("\n", OnnxExport.FORMAT, OnnxExport.version(), model.hash(),
        model.encoder().config().toString(), precision.key());
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(identity.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where graphs are kept on this machine. */
  public static Path directory() {
    String configured = System.getProperty("omniembed.onnx.cache",
        System.getenv("OMNIEMBED_ONNX_CACHE"));
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    for (String env : new String[] {"SPARK_LOCAL_DIRS", "LOCAL_DIRS"}) {
      String dirs = System.getenv(env);
      if (dirs != null && !dirs.isBlank()) {
        return Path.of(dirs.split(",")[0].trim(), "omniembed-onnx");
      }
    }
    return Path.of(System.getProperty("java.io.tmpdir"), "omniembed-onnx");
  }

  private static void store(Path file, byte[] graph) {
    Path partial = null;
    try {
      Files.createDirectories(file.getParent());
      partial = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".partial");
      Files.write(partial, graph);
      try {
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot cache the ONNX graph at {} ({}); it is used from memory", file,
          e.getMessage());
      if (partial != null) {
        try {
          Files.deleteIfExists(partial);
        } catch (IOException ignored) {
          // nothing more to do: the partial file has a name no reader takes
        }
      }
    }
  }
}
