package io.omniembed.io;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Small whole-file reads and writes on any Hadoop filesystem, with errors that name the path. */
public final class HadoopFiles {

  private HadoopFiles() {}

  /**
   * The filesystem of {@code path}. Hadoop's client-side {@code .crc} side files are switched off:
   * what this project writes carries its own integrity checks (checkpoint SHA-256, Parquet page
   * checksums), and stray {@code .crc} files only clutter output directories.
   */
  public static FileSystem fs(String path, Configuration conf) throws IOException {
    FileSystem fs = new Path(path).getFileSystem(conf);
    fs.setVerifyChecksum(false);
    fs.setWriteChecksum(false);
    return fs;
  }

  /** Whether {@code path} exists and is a non-empty directory or a file (outputs refuse it). */
  public static boolean hasContent(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = fs(path, conf);
    return fs.exists(p) && fs.listStatus(p).length > 0;
  }

  /**
   * Refuses an output that {@link #hasContent has content}: jobs never write into, or over, what
   * is already there. {@code hint} (may be empty) says what to do instead.
   */
  public static void requireEmptyOutput(String out, Configuration conf, String hint)
      throws IOException {
    if (hasContent(out, conf)) {
      throw new IllegalArgumentException("output " + out + " already exists and is not empty"
          + (hint.isEmpty() ? "" : "; " + hint));
    }
  }

  /**
   * Writes {@code files} (name → bytes, in order) as the directory {@code dir}, which must not
   * {@link #hasContent have content}. A name may hold folders ({@code 1_Pooling/config.json});
   * a name ending in {@code /} with no bytes is an empty folder ({@code 3_Normalize/}, which
   * sentence-transformers expects to find even though nothing is in it). They go into a hidden sibling ({@code .NAME.tmp-…}) that
   * one rename then moves into place, so {@code dir} shows either nothing or every file; when a
   * write fails the sibling is removed.
   */
  public static void writeDirectory(String dir, java.util.Map<String, byte[]> files,
      Configuration conf) throws IOException {
    requireEmptyOutput(dir, conf, "");
    FileSystem fs = fs(dir, conf);
    Path target = fs.makeQualified(new Path(dir));
    if (target.getParent() == null) {
      throw new IllegalArgumentException("output " + dir + " is a filesystem root");
    }
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-"
        + Long.toHexString(System.nanoTime()));
    boolean placed = false;
    try {
      if (!fs.mkdirs(tmp)) {
        throw new IOException("cannot create " + tmp);
      }
      for (java.util.Map.Entry<String, byte[]> f : files.entrySet()) {
        if (f.getKey().endsWith("/")) {
          if (f.getValue().length != 0) {
            throw new IllegalArgumentException(f.getKey() + " names a folder; it holds no bytes");
          }
          if (!fs.mkdirs(new Path(tmp, f.getKey()))) {
            throw new IOException("cannot create " + new Path(tmp, f.getKey()));
          }
        } else {
          writeBytes(new Path(tmp, f.getKey()).toString(), f.getValue(), conf);
        }
      }
      requireEmptyOutput(dir, conf, "");   // nothing appeared there while writing
      if (fs.exists(target)) {
        fs.delete(target, false);          // an empty directory: rename would move tmp into it
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException("could not move the output into place at " + dir);
      }
      placed = true;
    } finally {
      if (!placed) {
        fs.delete(tmp, true);
      }
    }
  }

  public static boolean exists(String path, Configuration conf) throws IOException {
    return fs(path, conf).exists(new Path(path));
  }

  public static byte[] readBytes(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    try (InputStream in = fs(path, conf).open(p)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toByteArray();
    } catch (FileNotFoundException e) {
      throw new FileNotFoundException(path + ": no such file");
    }
  }

  public static String readString(String path, Configuration conf) throws IOException {
    return new String(readBytes(path, conf), StandardCharsets.UTF_8);
  }

  public static void writeBytes(String path, byte[] data, Configuration conf) throws IOException {
    Path p = new Path(path);
    try (FSDataOutputStream out = fs(path, conf).create(p, true)) {
      out.write(data);
    }
  }

  public static void writeString(String path, String text, Configuration conf)
      throws IOException {
    writeBytes(path, text.getBytes(StandardCharsets.UTF_8), conf);
  }

  public static OutputStream create(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    return fs(path, conf).create(p, true);
  }

  /** Joins a directory and a child name without touching the filesystem. */
  public static String child(String dir, String name) {
    return new Path(new Path(dir), name).toString();
  }
}
