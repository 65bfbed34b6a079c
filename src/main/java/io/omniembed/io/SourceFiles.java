package io.omniembed.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Source code inputs on any Hadoop filesystem: sources jars and zips, directories (searched
 * recursively) and single {@code .java}/{@code .js} files. {@link #units} lists the work on the
 * driver (names only); {@link #read} opens one unit where it runs and yields its files.
 */
public final class SourceFiles {

  /** One source file: its name (an archive entry is named {@code archive!/entry}) and text. */
  public record File(String name, String content) {}

  /** Receives the files of a unit. */
  public interface Sink {
    void accept(File f) throws IOException;
  }

  private SourceFiles() {}

  /** The archives and files to read, from the given paths. */
  public static List<String> units(List<String> paths, Configuration conf) throws IOException {
    List<String> units = new ArrayList<>();
    for (String p : paths) {
      Path path = new Path(p);
      FileSystem fs = HadoopFiles.fs(p, conf);
      if (!fs.exists(path)) {
        throw new FileNotFoundException("source " + p + ": no such file or directory");
      }
      FileStatus status = fs.getFileStatus(path);
      if (status.isDirectory()) {
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(path, true);
        int before = units.size();
        while (files.hasNext()) {
          String name = files.next().getPath().toString();
          if (isSource(name) || isArchive(name)) {
            units.add(name);
          }
        }
        if (units.size() == before) {
          throw new IllegalArgumentException("source " + p + ": no .java, .js, .jar or .zip"
              + " files in it");
        }
      } else if (isSource(p) || isArchive(p)) {
        units.add(status.getPath().toString());
      } else {
        throw new IllegalArgumentException("source " + p + ": not a sources jar, zip, directory,"
            + " .java or .js file");
      }
    }
    return units;
  }

  /** Reads every source file of {@code unit} into {@code sink}. */
  public static void read(String unit, Configuration conf, Sink sink) throws IOException {
    try (InputStream in = HadoopFiles.fs(unit, conf).open(new Path(unit))) {
      if (!isArchive(unit)) {
        sink.accept(new File(unit, new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        return;
      }
      ZipInputStream zip = new ZipInputStream(in);
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        if (!e.isDirectory() && isSource(e.getName())) {
          sink.accept(new File(unit + "!/" + e.getName(),
              new String(zip.readAllBytes(), StandardCharsets.UTF_8)));
        }
      }
    }
  }

  static boolean isSource(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".java") || n.endsWith(".js");
  }

  static boolean isArchive(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".jar") || n.endsWith(".zip");
  }
}
