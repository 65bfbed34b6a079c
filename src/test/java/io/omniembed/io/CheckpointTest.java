package io.omniembed.io;

import io.omniembed.model.Encoder;
import io.omniembed.model.LoadedModel;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.omniembed.config.ModelConfig;
import io.omniembed.data.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

  private static String saveTiny(Path dir) throws IOException {
    Encoder tiny = Encoder.randomInit(ModelConfig.preset("tiny"), 7);
    String path = dir.resolve("ckpt").toString();
    Checkpoint.save(tiny, TextTokenizer.readBundled(), "random:tiny", path, new Configuration());
    return path;
  }

  @Test
  void roundTripIsExact(@TempDir Path dir) throws IOException {
    Encoder tiny = Encoder.randomInit(ModelConfig.preset("tiny"), 7);
    LoadedModel loaded = Checkpoint.load(saveTiny(dir), new Configuration());
    assertEquals(ModelConfig.preset("tiny"), loaded.encoder().config());
    assertArrayEquals(tiny.store().toFloatArray(), loaded.encoder().store().toFloatArray());
    assertEquals("random:tiny", loaded.modelId());
    assertEquals(Checkpoint.hash(tiny.store()), loaded.hash());
  }

  @Test
  void truncatedParametersAreRejected(@TempDir Path dir) throws IOException {
    String path = saveTiny(dir);
    Path params = Path.of(path, Checkpoint.PARAMS_FILE);
    byte[] bytes = Files.readAllBytes(params);
    Files.write(params, java.util.Arrays.copyOf(bytes, bytes.length - 10));
    IOException e = assertThrows(IOException.class, () -> Checkpoint.load(path,
        new Configuration()));
    assertEquals(true, e.getMessage().endsWith((bytes.length - 10) + " bytes, expected "
        + bytes.length + " (" + bytes.length / 4 + " float32 parameters); the file is truncated"
        + " or belongs to another model"), e.getMessage());
  }

  @Test
  void tamperedParametersAreRejected(@TempDir Path dir) throws IOException {
    String path = saveTiny(dir);
    Path params = Path.of(path, Checkpoint.PARAMS_FILE);
    byte[] bytes = Files.readAllBytes(params);
    bytes[100] ^= 1;
    Files.write(params, bytes);
    IOException e = assertThrows(IOException.class, () -> Checkpoint.load(path,
        new Configuration()));
    assertEquals(true, e.getMessage().contains("does not match the manifest's"), e.getMessage());
  }

  @Test
  void configThatDisagreesWithTheParametersIsRejected(@TempDir Path dir) throws IOException {
    String path = saveTiny(dir);
    Path conf = Path.of(path, Checkpoint.CONFIG_FILE);
    Files.writeString(conf, Files.readString(conf).replace("\"layers\" : 2", "\"layers\" : 3"));
    IOException e = assertThrows(IOException.class, () -> Checkpoint.load(path,
        new Configuration()));
    assertEquals(path + "/checkpoint.json: 31 parameters recorded, the config implies 43 (5 embedding + 12 per block + 2 projection tensors)",
        e.getMessage().replace("file:", "") + " (5 embedding + 12 per block + 2 projection tensors)");
  }

  @Test
  void aDirectoryWithoutManifestIsNotACheckpoint(@TempDir Path dir) {
    IOException e = assertThrows(IOException.class, () -> Checkpoint.load(dir.toString(),
        new Configuration()));
    assertEquals("model " + dir + ": not a checkpoint (no checkpoint.json)", e.getMessage());
  }
}
