package io.omniembed.jobs;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * A real S3-compatible server on 127.0.0.1: S3Proxy (copied by Maven to target/s3proxy) with its
 * filesystem backend, one bucket per directory under {@code root}. Started as its own process,
 * stopped by {@link #close}.
 */
final class S3Server implements AutoCloseable {

  static final String BUCKET = "omni";
  final String accessKey = "omni-access-" + Long.toHexString(System.nanoTime());
  final String secretKey = "omni-secret-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
  final int port;
  final Path root;
  private final Process process;

  S3Server(Path root) throws Exception {
    this.root = root;
    Path jar = Path.of("target", "s3proxy", "s3proxy.jar").toAbsolutePath();
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: run the tests through Maven, which"
          + " copies S3Proxy there");
    }
    Files.createDirectories(root.resolve("data").resolve(BUCKET));
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path props = root.resolve("s3proxy.properties");
    Files.writeString(props, String.join("\n",
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + accessKey,
        "s3proxy.credential=" + secretKey,
        "jclouds.provider=filesystem",
        "jclouds.filesystem.basedir=" + root.resolve("data")) + "\n");
    String java = ProcessHandle.current().info().command().orElse("java");
    process = new ProcessBuilder(java, "-jar", jar.toString(), "--properties", props.toString())
        .redirectErrorStream(true).redirectOutput(root.resolve("s3proxy.log").toFile()).start();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        break;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not start: "
              + Files.readString(root.resolve("s3proxy.log")));
        }
        Thread.sleep(100);
      }
    }
  }

  /** The s3a settings a job gets on its command line: everything but the credentials. */
  Map<String, String> settings() {
    return Map.of(
        "fs.s3a.endpoint", "http://127.0.0.1:" + port,
        "fs.s3a.endpoint.region", "us-east-1",
        "fs.s3a.path.style.access", "true",
        "fs.s3a.connection.ssl.enabled", "false",
        "fs.s3a.directory.marker.retention", "keep",
        "fs.s3a.attempts.maximum", "2",
        "fs.s3a.retry.limit", "2");
  }

  /** {@code --conf spark.hadoop.K=V} for every setting. */
  List<String> confArgs() {
    List<String> args = new ArrayList<>();
    settings().forEach((k, v) -> {
      args.add("--conf");
      args.add("spark.hadoop." + k + "=" + v);
    });
    return args;
  }

  /** Credentials the way a user's shell gives them: environment variables. */
  Map<String, String> env() {
    return Map.of("AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secretKey,
        "AWS_REGION", "us-east-1");
  }

  /** A Hadoop configuration for the test's own reads and writes. */
  Configuration hadoop() {
    Configuration conf = new Configuration();
    settings().forEach(conf::set);
    conf.set("fs.s3a.access.key", accessKey);
    conf.set("fs.s3a.secret.key", secretKey);
    conf.setBoolean("fs.s3a.impl.disable.cache", true);
    return conf;
  }

  String url(String key) {
    return "s3a://" + BUCKET + "/" + key;
  }

  /** The bucket's files as S3Proxy keeps them on disk. */
  Path bucketDir() {
    return root.resolve("data").resolve(BUCKET);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
