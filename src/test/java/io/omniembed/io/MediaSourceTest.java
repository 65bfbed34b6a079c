package io.omniembed.io;

import io.omniembed.data.media.MediaException;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.omniembed.data.Modality;
import io.omniembed.data.Part;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Media bytes by relative path, absolute URI and inline, and every refusal with its reason. */
class MediaSourceTest {

  static Part.Media uri(String u) {
    return new Part.Media(Modality.IMAGE, u, null);
  }

  @Test
  void readsRelativeAbsoluteAndInlineMedia(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data.resolve("img"));
    Files.write(data.resolve("img").resolve("a b.png"), new byte[] {1, 2, 3});
    Files.write(dir.resolve("outside.png"), new byte[] {9});
    String source = "file://" + data.resolve("items.jsonl");
    Configuration conf = new Configuration();
    assertArrayEquals(new byte[] {1, 2, 3},
        MediaSource.read(uri("img/a b.png"), source, conf, 100));
    assertArrayEquals(new byte[] {1, 2, 3},
        MediaSource.read(uri("./img/../img/a b.png"), source, conf, 100));
    assertArrayEquals(new byte[] {9},
        MediaSource.read(uri(dir.resolve("outside.png").toUri().toString()), source, conf, 100));
    assertArrayEquals(new byte[] {9},
        MediaSource.read(uri(dir.resolve("outside.png").toString()), source, conf, 100));
    assertArrayEquals(new byte[] {7, 7},
        MediaSource.read(new Part.Media(Modality.AUDIO, null, new byte[] {7, 7}), source, conf,
            100));
  }

  @Test
  void refusesEscapesMissingFilesAndOversizedMedia(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    Files.write(data.resolve("big.png"), new byte[1000]);
    String source = data.resolve("items.jsonl").toString();
    Configuration conf = new Configuration();
    assertReason("media path '../secret.png' escapes the data directory",
        () -> MediaSource.read(uri("../secret.png"), source, conf, 100));
    assertReason("media path 'img/../../x.png' escapes the data directory",
        () -> MediaSource.read(uri("img/../../x.png"), source, conf, 100));
    assertReason("image file not found: ",
        () -> MediaSource.read(uri("missing.png"), source, conf, 100));
    MediaException big = assertThrows(MediaException.class,
        () -> MediaSource.read(uri("big.png"), source, conf, 100));
    assertTrue(big.getMessage().endsWith("big.png of 1000 bytes exceeds the limit of 100"),
        big.getMessage());
    assertReason("inline audio of 5 bytes exceeds the limit of 4",
        () -> MediaSource.read(new Part.Media(Modality.AUDIO, null, new byte[5]), source, conf,
            4));
    assertReason("relative media path 'x.png' but no data file",
        () -> MediaSource.read(uri("x.png"), null, conf, 100));
  }

  interface Read {
    byte[] run() throws Exception;
  }

  static void assertReason(String prefix, Read r) {
    MediaException e = assertThrows(MediaException.class, r::run);
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }
}
