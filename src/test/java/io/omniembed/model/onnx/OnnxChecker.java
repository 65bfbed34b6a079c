package io.omniembed.model.onnx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code onnx.checker.check_model(onnx.load(P), full_check=True)} through a Python that has the
 * {@code onnx} module: {@code python3} on the PATH, else the system's {@code /usr/bin/python3}
 * (Debian's python3-onnx installs there, which a pyenv python3 on the PATH does not see).
 */
final class OnnxChecker {

  static final String MISSING = "onnx.checker not available: install Debian's python3-onnx"
      + " (apt-get install -y python3-onnx)";

  private static final String CHECK = "import sys, onnx; "
      + "onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)";

  private OnnxChecker() {}

  /** A Python that imports onnx, or null when none does. */
  static String python() {
    for (String candidate : List.of("python3", "/usr/bin/python3")) {
      try {
        if (run(List.of(candidate, "-c", "import onnx")).isEmpty()) {
          return candidate;
        }
      } catch (IOException e) {
        // not installed under this name: try the next
      }
    }
    return null;
  }

  /** "" when {@code model} passes the full check, else the checker's last line. */
  static String check(String python, Path model) throws IOException {
    return run(List.of(python, "-c", CHECK, model.toString()));
  }

  private static String run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "timed out";
      }
      if (p.exitValue() == 0) {
        return "";
      }
      String[] lines = out.split("\n");
      return "exit " + p.exitValue() + ": " + lines[lines.length - 1];
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
