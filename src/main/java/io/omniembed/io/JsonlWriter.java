package io.omniembed.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;

/**
 * One JSONL file on any Hadoop filesystem, written line by line and created on its first line,
 * so a partition with nothing to write leaves no empty file behind.
 */
public final class JsonlWriter implements AutoCloseable {

  private final String path;
  private final Configuration conf;
  private OutputStream out;
  private long lines;

  public JsonlWriter(String path, Configuration conf) {
    this.path = path;
    this.conf = conf;
  }

  /** Appends {@code json} (one JSON value, no newline inside) as a line. */
  public void write(String json) {
    try {
      if (out == null) {
        out = HadoopFiles.create(path, conf);
      }
      out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
      lines++;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  /** The lines written so far. */
  public long lines() {
    return lines;
  }

  @Override
  public void close() throws IOException {
    if (out != null) {
      out.close();
    }
  }
}
