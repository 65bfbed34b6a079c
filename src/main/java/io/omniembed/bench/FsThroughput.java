package io.omniembed.bench;

import io.omniembed.io.HadoopFiles;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Sequential write and read throughput of one Hadoop filesystem URL (file://, s3a://, hdfs://),
 * through the same {@link HadoopFiles} calls the jobs use: writes a file of {@code MB} mebibytes
 * in 1 MiB blocks, reads it back, deletes it, and prints MB/s.
 *
 * <pre>
 *   java -cp ... io.omniembed.bench.FsThroughput DIR_URL MB [hadoop.key=value ...]
 * </pre>
 * or, to stage a benchmark's input, {@code FsThroughput put LOCAL_FILE URL [hadoop.key=value ...]}.
 * Credentials come from the environment (the default s3a provider chain), never the arguments.
 */
public final class FsThroughput {

  private FsThroughput() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: FsThroughput DIR_URL MB [hadoop.key=value ...]");
      System.exit(2);
    }
    Configuration conf = new Configuration();
    boolean put = args[0].equals("put");
    for (int i = put ? 3 : 2; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      conf.set(kv[0], kv[1]);
    }
    if (put) {
      try (InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(args[1]));
          OutputStream out = HadoopFiles.create(args[2], conf)) {
        in.transferTo(out);
      }
      return;
    }
    int mb = Integer.parseInt(args[1]);
    String file = HadoopFiles.child(args[0], "fs-throughput-" + System.nanoTime() + ".bin");
    byte[] block = new byte[1 << 20];
    new Random(1).nextBytes(block);
    long t0 = System.nanoTime();
    try (OutputStream out = HadoopFiles.create(file, conf)) {
      for (int i = 0; i < mb; i++) {
        out.write(block);
      }
    }
    long t1 = System.nanoTime();
    long read = 0;
    FileSystem fs = HadoopFiles.fs(file, conf);
    try (InputStream in = fs.open(new Path(file))) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        read += n;
      }
    }
    long t2 = System.nanoTime();
    fs.delete(new Path(file), false);
    if (read != (long) mb << 20) {
      throw new IllegalStateException("read " + read + " bytes of " + ((long) mb << 20));
    }
    System.out.printf("%s: write %d MiB in %.2f s = %.0f MiB/s; read in %.2f s = %.0f MiB/s%n",
        args[0], mb, (t1 - t0) / 1e9, mb / ((t1 - t0) / 1e9), (t2 - t1) / 1e9,
        mb / ((t2 - t1) / 1e9));
  }
}
