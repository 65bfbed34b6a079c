package io.omniembed.model.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * ND4J's native build for this CPU, chosen before ND4J loads. A jar built with
 * {@code -Pcpu,onednn-avx512} carries two builds of {@code libnd4jcpu}: the generic
 * {@code linux-x86_64} one and {@code linux-x86_64-onednn-avx512} (oneDNN kernels for AVX-512;
 * the {@code minilm-l6} training step 7–12% faster on an AVX-512 host, with the same losses to
 * four places: docs/benchmarks.md, "On an AVX-512 host"). JavaCPP loads the build named by the
 * system property {@value #PROPERTY}, read once, when ND4J first loads in the JVM; presets without
 * that build (OpenBLAS) fall back to their generic one.
 *
 * <p>The default jar has only the generic build (the oneDNN one is 99 MB more in the jar and 376 MB
 * unpacked on every host), and then this changes nothing.
 */
public final class NativeBuild {

  static final String PROPERTY = "org.bytedeco.javacpp.platform.extension";
  static final String ONEDNN_AVX512 = "-onednn-avx512";
  static final String LIBRARY =
      "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64-onednn-avx512/libnd4jcpu.so";
  /** The AVX-512 subsets the oneDNN build is compiled for (AVX-512 "core"). */
  static final List<String> AVX512 = List.of("avx512f", "avx512bw", "avx512dq", "avx512vl");

  private NativeBuild() {}

  /**
   * Names the oneDNN AVX-512 build for this JVM when the jar holds it and the CPU runs it, unless
   * {@value #PROPERTY} is already set (the user's choice, kept). Call before anything uses ND4J
   * (the jobs' entry point, each executor at start). Returns the extension that will load, ""
   * for the generic build.
   */
  public static synchronized String choose() {
    String given = System.getProperty(PROPERTY);
    if (given != null) {
      return given;
    }
    String extension = extension(cpuFlags(),
        NativeBuild.class.getClassLoader().getResource(LIBRARY) != null);
    if (!extension.isEmpty()) {
      System.setProperty(PROPERTY, extension);
    }
    return extension;
  }

  /** The build for a CPU with {@code flags}, when the jar {@code hasOneDnn} or not. */
  static String extension(Set<String> flags, boolean hasOneDnn) {
    return hasOneDnn && flags.containsAll(AVX512) ? ONEDNN_AVX512 : "";
  }

  /** The CPU's feature flags from /proc/cpuinfo; empty where it cannot be read. */
  static Set<String> cpuFlags() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          String flags = line.substring(line.indexOf(':') + 1).trim();
          return new HashSet<>(List.of(flags.split("\\s+")));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or no /proc: the generic build
    }
    return Set.of();
  }
}
