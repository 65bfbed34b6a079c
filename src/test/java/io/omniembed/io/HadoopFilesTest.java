package io.omniembed.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A directory written whole or not at all ({@link HadoopFiles#writeDirectory}). */
class HadoopFilesTest {

  private static final Configuration CONF = new Configuration();

  @Test
  void writesEveryFileAndLeavesNothingBeside(@TempDir Path dir) throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("a.txt", bytes("first"));
    files.put("b.bin", new byte[] {1, 2, 3});
    HadoopFiles.writeDirectory(dir.resolve("out").toString(), files, CONF);
    assertEquals(List.of("out"), list(dir));
    assertEquals(List.of("a.txt", "b.bin"), list(dir.resolve("out")));
    assertEquals("first", Files.readString(dir.resolve("out/a.txt")));
  }

  @Test
  void writesNestedFilesAndEmptyFolders(@TempDir Path dir) throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("1_Pooling/config.json", bytes("{}"));
    files.put("3_Normalize/", new byte[0]);
    HadoopFiles.writeDirectory(dir.resolve("out").toString(), files, CONF);
    assertEquals(List.of("1_Pooling", "3_Normalize"), list(dir.resolve("out")));
    assertEquals(List.of(), list(dir.resolve("out/3_Normalize")));
    assertEquals("{}", Files.readString(dir.resolve("out/1_Pooling/config.json")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HadoopFiles.writeDirectory(dir.resolve("bad").toString(),
            Map.of("folder/", bytes("x")), CONF));
    assertEquals("folder/ names a folder; it holds no bytes", e.getMessage());
    assertEquals(List.of("out"), list(dir));
  }

  @Test
  void refusesADirectoryWithContent(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    Files.writeString(out.resolve("old.txt"), "old");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HadoopFiles.writeDirectory(out.toString(), Map.of("new.txt", bytes("new")), CONF));
    assertEquals("output " + out + " already exists and is not empty", e.getMessage());
    assertEquals(List.of("old.txt"), list(out));
    assertEquals(List.of("out"), list(dir));
  }

  @Test
  void aWriteThatFailsHalfwayLeavesNothing(@TempDir Path dir) throws Exception {
    // the second file's bytes cannot be produced: the first is already written by then
    Map<String, byte[]> failing = new AbstractMap<>() {
      @Override
      public Set<Entry<String, byte[]>> entrySet() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("first.txt", bytes("written"));
        m.put("second.txt", null);
        return m.entrySet();
      }
    };
    assertThrows(NullPointerException.class,
        () -> HadoopFiles.writeDirectory(dir.resolve("out").toString(), failing, CONF));
    assertEquals(List.of(), list(dir));
    assertFalse(Files.exists(dir.resolve("out")));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
