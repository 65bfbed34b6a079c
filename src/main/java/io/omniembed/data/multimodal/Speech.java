package io.omniembed.data.multimodal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Speech synthesised by Debian's {@code espeak-ng}: one WAV file per text and voice. */
public final class Speech {

  private Speech() {}

  /** Whether {@code espeak-ng} can be run. */
  public static boolean available() {
    try {
      Process p = new ProcessBuilder("espeak-ng", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Speaks {@code text} with {@code voice} (an espeak-ng voice such as en, de, fr) into wav. */
  public static void synthesize(String text, String voice, Path wav) throws IOException {
    Path input = Files.createTempFile("speech", ".txt");
    try {
      Files.writeString(input, text, StandardCharsets.UTF_8);
      Process p = new ProcessBuilder(List.of("espeak-ng", "-v", voice, "-s", "160", "-f",
          input.toString(), "-w", wav.toString())).redirectErrorStream(true).start();
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.isRegularFile(wav)) {
        p.destroyForcibly();
        throw new IOException("espeak-ng -v " + voice + " failed for '" + text + "': " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      Files.deleteIfExists(input);
    }
  }
}
